"""End to end: POST a v2 search, a real Celery worker runs the engine, progress arrives over
real WebSockets, GET serves the stored pages; v1 answers synchronously with deprecation headers."""

from __future__ import annotations

import threading
from typing import Any

import requests

from tests.service_clients import assert_contiguous, connect, read_events, submit, wait_for

STAGES = ["started", "parse", "retrieve", "rank", "facets", "finish"]


def test_events_arrive_in_order_and_end_with_completed(live_server: Any) -> None:
    created = submit(live_server.url, {"query": "rheumatoid arthritis synovial fibroblasts"})
    assert created["status"] == "queued"
    assert created["links"]["events"] == f"/api/v2/searches/{created['id']}/events"
    ws = connect(live_server.ws_url, created["links"]["events"])
    events, close_code = read_events(ws)
    assert close_code == 1000
    assert_contiguous(events)
    assert [event["stage"] for event in events[:-1]] == STAGES
    assert events[-1]["type"] == "completed" and events[-1]["progress"] == 100
    progress = [event["progress"] for event in events]
    assert progress == sorted(progress)


def test_get_pages_follow_the_cursor_without_gaps_or_repeats(live_server: Any) -> None:
    created = submit(live_server.url, {"query": "breast cancer", "page_size": 25})
    first = wait_for(live_server.url, created["id"])
    assert first["status"] == "completed" and first["progress"] == 100
    assert first["total"] > 50 and len(first["results"]) == 25
    for key in (
        "accession",
        "title",
        "summary",
        "organisms",
        "series_types",
        "platforms",
        "sample_count",
        "score",
    ):
        assert key in first["results"][0]
    assert first["facets"]
    seen = [result["accession"] for result in first["results"]]
    cursor = first["next_cursor"]
    for _ in range(3):
        page = requests.get(
            f"{live_server.url}{created['links']['self']}", params={"cursor": cursor}, timeout=10
        ).json()
        seen += [result["accession"] for result in page["results"]]
        cursor = page["next_cursor"]
    assert len(seen) == 100 == len(set(seen))
    tampered = requests.get(
        f"{live_server.url}{created['links']['self']}", params={"cursor": cursor + "x"}, timeout=10
    )
    assert tampered.status_code == 400 and tampered.json()["error"]["code"] == "bad_request"


def test_filters_are_applied_server_side(live_server: Any) -> None:
    created = submit(
        live_server.url,
        {
            "query": "arthritis",
            "page_size": 100,
            "filters": {"organisms": ["Mus musculus"], "min_samples": 10},
        },
    )
    body = wait_for(live_server.url, created["id"])
    assert body["results"]
    for result in body["results"]:
        assert "Mus musculus" in result["organisms"] and result["sample_count"] >= 10


def test_reconnecting_after_any_event_receives_the_rest_exactly_once(live_server: Any) -> None:
    created = submit(live_server.url, {"query": "psoriasis skin lesions RNA-seq"})
    full, _ = read_events(connect(live_server.ws_url, created["links"]["events"]))
    assert full[-1]["type"] == "completed"
    for dropped_after in range(len(full)):
        ws = connect(live_server.ws_url, created["links"]["events"])
        head, _ = read_events(ws, limit=dropped_after)
        ws.close()
        last = head[-1]["seq"] if head else 0
        tail, close_code = read_events(connect(live_server.ws_url, created["links"]["events"], after=last))
        assert head + tail == full and close_code == 1000


def test_resume_while_the_search_is_still_running(live_server: Any) -> None:
    """Drop after the first live event and resume: replay and live join without gap or repeat."""
    created = submit(live_server.url, {"query": "multiple sclerosis"})
    ws = connect(live_server.ws_url, created["links"]["events"])
    head, _ = read_events(ws, limit=1)
    ws.close()
    tail, close_code = read_events(
        connect(live_server.ws_url, created["links"]["events"], after=head[-1]["seq"])
    )
    assert_contiguous(head + tail)
    assert tail[-1]["type"] == "completed" and close_code == 1000


def test_many_watchers_of_one_search_see_the_same_sequence(live_server: Any) -> None:
    created = submit(live_server.url, {"query": "lupus nephritis kidney"})
    sockets = [connect(live_server.ws_url, created["links"]["events"]) for _ in range(25)]
    sequences = [read_events(ws)[0] for ws in sockets]
    assert all(sequence == sequences[0] for sequence in sequences)
    assert_contiguous(sequences[0])
    assert sequences[0][-1]["type"] == "completed"


def test_200_concurrent_watchers_of_20_searches(live_server: Any) -> None:
    topics = [
        "asthma",
        "crohn disease",
        "ulcerative colitis",
        "psoriasis",
        "lupus",
        "melanoma",
        "glioblastoma",
        "leukemia",
        "osteoarthritis",
        "sepsis",
        "obesity adipose",
        "alzheimer",
        "parkinson",
        "hepatocellular carcinoma",
        "influenza",
        "tuberculosis",
        "colorectal cancer",
        "prostate cancer",
        "lung adenocarcinoma",
        "type 2 diabetes islets",
    ]
    searches = [submit(live_server.url, {"query": topic}) for topic in topics]
    results: list[tuple[list[dict[str, Any]], int | None]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def watch(path: str) -> None:
        try:
            outcome = read_events(connect(live_server.ws_url, path, timeout=60))
            with lock:
                results.append(outcome)
        except BaseException as exc:  # collected and reported by the test thread
            with lock:
                errors.append(exc)

    threads = [
        threading.Thread(target=watch, args=(search["links"]["events"],))
        for search in searches
        for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not errors, errors[:3]
    assert len(results) == 200
    for events, close_code in results:
        assert_contiguous(events)
        assert events[-1]["type"] == "completed" and close_code == 1000


def test_unknown_search_refuses_the_upgrade_with_404(live_server: Any) -> None:
    handshake = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    response = requests.get(
        f"{live_server.url}/api/v2/searches/doesnotexist/events", timeout=10, headers=handshake
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_similar_to_passes_through_to_the_engine(live_server: Any, engine: Any) -> None:
    example = "GSE105845" if engine.get("GSE105845") else None
    assert example is not None
    created = submit(live_server.url, {"similar_to": [example.lower()]})
    body = wait_for(live_server.url, created["id"])
    assert body["status"] == "completed" and body["similar_to"] == [example]
    assert body["results"]


def test_v1_search_is_a_synchronous_transformation_with_deprecation_headers(live_server: Any) -> None:
    response = requests.get(
        f"{live_server.url}/api/v1/search",
        params={"q": "breast cancer", "limit": 5, "offset": 5, "organism": "Homo sapiens"},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Deprecation"].startswith("@")
    assert response.headers["Sunset"].endswith("GMT")
    assert '</api/v2/searches>; rel="successor-version"' in response.headers["Link"]
    assert '</api/docs/migration>; rel="deprecation"' in response.headers["Link"]
    body = response.json()
    assert (body["query"], body["limit"], body["offset"]) == ("breast cancer", 5, 5)
    assert len(body["results"]) == 5 and body["total"] > 10
    first = body["results"][0]
    assert set(first) == {
        "accession",
        "title",
        "summary",
        "organism",
        "platform",
        "sample_count",
        "series_type",
        "score",
    }
    assert first["organism"] == "Homo sapiens"
    page_one = requests.get(
        f"{live_server.url}/api/v1/search",
        params={"q": "breast cancer", "limit": 10, "organism": "Homo sapiens"},
        timeout=20,
    ).json()
    assert [r["accession"] for r in page_one["results"][5:]] == [r["accession"] for r in body["results"]]


def test_dataset_lookup_returns_the_full_record(live_server: Any) -> None:
    response = requests.get(f"{live_server.url}/api/v2/datasets/gse105845", timeout=10)
    assert response.status_code == 200
    record = response.json()
    assert record["accession"] == "GSE105845" and record["title"]


def test_ready_reports_redis_index_and_worker(live_server: Any) -> None:
    response = requests.get(f"{live_server.url}/health/ready", timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"redis": "ok", "events": "ok", "index": "ok", "workers": "ok"}


def test_metrics_are_prometheus_text(live_server: Any) -> None:
    requests.get(f"{live_server.url}/health/live", timeout=10)
    response = requests.get(f"{live_server.url}/metrics", timeout=10)
    assert response.headers["Content-Type"].startswith("text/plain")
    assert 'omics_http_requests_total{endpoint="health.live",method="GET",status="200"}' in response.text
