"""The cache on the real v2 search path: a live HTTP server, a real Celery worker, real Redis.

Each test makes its searches unique with a ``max_samples`` bound no series reaches, so runs
against a shared Redis never see another run's entries.
"""

from __future__ import annotations

import json
import random
import threading
import time
from typing import Any

import pytest
import requests

from omics.realtime.event_log import EventLog
from omics.runtime import shared_redis
from omics.search.series import Series
from omics.security import accounts
from omics.web.state import state_of
from tests.service_clients import wait_for

PASSWORD = "a long cache test password 7"


def _unique(query: str) -> dict[str, Any]:
    return {"query": query, "filters": {"max_samples": 10_000_000 + random.randrange(10**9)}}


def _post(base: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(f"{base}/api/v2/searches", json=body, headers=headers, timeout=30)


def test_a_repeated_search_answers_200_with_the_first_runs_document(live_server: Any) -> None:
    body = _unique("rheumatoid arthritis synovial tissue")
    first = _post(live_server.url, body)
    assert first.status_code == 202
    finished = wait_for(live_server.url, first.json()["id"])
    assert finished["status"] == "completed" and finished["results"]

    again = _post(live_server.url, body)
    assert again.status_code == 200
    assert again.json() == finished
    respelled = _post(live_server.url, {**body, "query": "  Rheumatoid   Arthritis synovial tissue "})
    assert respelled.status_code == 200 and respelled.json()["results"] == finished["results"]
    other_page_size = _post(live_server.url, {**body, "page_size": 5})
    assert other_page_size.status_code == 202  # another request, another key


def test_an_upgraded_engine_never_serves_what_an_older_engine_cached(
    live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _unique("hepatitis liver biopsy")
    first = _post(live_server.url, body)
    assert first.status_code == 202 and wait_for(live_server.url, first.json()["id"])["status"] == "completed"
    assert _post(live_server.url, body).status_code == 200

    monkeypatch.setattr("omics.cache.keys.ENGINE_REVISION", 10**6)  # the engine now ranks differently
    assert _post(live_server.url, body).status_code == 202  # searched again, not the older answer


def test_identical_concurrent_searches_share_one_task_and_stream(live_server: Any, redis_url: str) -> None:
    body = _unique("alzheimer disease hippocampus")
    barrier = threading.Barrier(12)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def submit() -> None:
        barrier.wait()
        response = _post(live_server.url, body)
        with lock:
            answers.append((response.status_code, response.json()["id"]))

    threads = [threading.Thread(target=submit) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in answers} <= {200, 202}
    ids = {search_id for _, search_id in answers}
    assert len(ids) == 1, answers
    (search_id,) = ids
    assert wait_for(live_server.url, search_id)["status"] == "completed"
    log = EventLog(shared_redis(redis_url), 60)
    deadline = time.monotonic() + 10
    while (
        not (events := [json.loads(event) for _, event in log.replay(search_id)])
        or events[-1]["type"] != "completed"
    ):
        assert time.monotonic() < deadline, events
        time.sleep(0.05)
    assert [event["stage"] for event in events].count("started") == 1  # the engine ran once


def test_an_ingest_never_serves_a_stale_result_and_warming_refills_popular_searches(
    app: Any, live_server: Any, engine: Any, celery_app: Any
) -> None:
    probe = f"xylocacheprobe{random.randrange(10**9)}"
    body = _unique(probe)
    first = _post(live_server.url, body)
    assert wait_for(live_server.url, first.json()["id"])["total"] == 0
    for _ in range(30):  # popular enough to be warmed
        cached = _post(live_server.url, body)
        assert cached.status_code == 200 and cached.json()["total"] == 0

    engine.add(
        [
            Series(
                accession=f"GSE9{random.randrange(10**8):08d}",
                title=f"{probe} fin regeneration",
                summary=f"A {probe} time course.",
                organisms=("Danio rerio",),
                sample_count=6,
            )
        ]
    )
    after = _post(live_server.url, body)
    assert after.status_code == 202  # the old answer (0 results) is not served
    assert wait_for(live_server.url, after.json()["id"])["total"] == 1

    engine.add(
        [
            Series(
                accession=f"GSE8{random.randrange(10**8):08d}",
                title=f"{probe} heart regeneration",
                summary=f"A second {probe} series.",
                organisms=("Danio rerio",),
                sample_count=4,
            )
        ]
    )
    state_of(app).cache.stats.flush()  # popularity reaches Redis within a second anyway
    outcome = celery_app.send_task(
        "omics.maintenance.warm_cache", kwargs={"only_if_changed": True}, queue="maintenance"
    ).get(timeout=60)
    assert outcome["version"] == engine.version and outcome["warmed"] >= 1
    warmed = _post(live_server.url, body)
    assert warmed.status_code == 200 and warmed.json()["total"] == 2


@pytest.fixture(scope="module")
def admin_headers(app: Any, live_server: Any) -> dict[str, dict[str, str]]:
    database = state_of(app).security.database
    headers = {}
    for name, role in (("cache-admin", "admin"), ("cache-researcher", "researcher")):
        with database.transaction() as session:
            if accounts.find_user(session, name) is None:
                accounts.create_user(session, name, PASSWORD, role)
        login = requests.post(
            f"{live_server.url}/api/v2/auth/login", json={"username": name, "password": PASSWORD}, timeout=10
        )
        token = login.json()["access_token"]
        headers[role] = {"Authorization": f"Bearer {token}"}
    return headers


def test_admins_see_stats_and_invalidate_and_no_one_else_can(
    live_server: Any, admin_headers: dict[str, dict[str, str]]
) -> None:
    base = f"{live_server.url}/api/v2/admin/cache"
    body = _unique("psoriasis skin lesions")
    wait_for(live_server.url, _post(live_server.url, body).json()["id"])
    assert _post(live_server.url, body).status_code == 200

    assert requests.get(f"{base}/stats", timeout=10).status_code == 401
    assert requests.get(f"{base}/stats", headers=admin_headers["researcher"], timeout=10).status_code == 403
    assert requests.post(f"{base}/invalidate", json={"scope": "all"}, timeout=10).status_code == 401
    stats = requests.get(f"{base}/stats", headers=admin_headers["admin"], timeout=10)
    assert stats.status_code == 200
    figures = stats.json()
    assert figures["overall"]["hits"] >= 1 and figures["tiers"]["l1"]["hit"] >= 1
    assert "recommendations" in figures and figures["hottest"]

    for bad in ({"scope": "everything"}, {"scope": "query"}, {"scope": "query", "value": "x", "extra": 1}):
        rejected = requests.post(f"{base}/invalidate", json=bad, headers=admin_headers["admin"], timeout=10)
        assert 400 <= rejected.status_code < 500 and "error" in rejected.json()
    removed = requests.post(
        f"{base}/invalidate",
        json={"scope": "query", "value": "Psoriasis skin LESIONS"},
        headers=admin_headers["admin"],
        timeout=10,
    )
    assert removed.status_code == 200 and removed.json()["removed"]["l2"] >= 1
    assert _post(live_server.url, body).status_code == 202  # computed again


def test_metrics_expose_the_cache_counters(live_server: Any) -> None:
    body = _unique("sepsis whole blood")
    wait_for(live_server.url, _post(live_server.url, body).json()["id"])
    _post(live_server.url, body)
    text = requests.get(f"{live_server.url}/metrics", timeout=10).text
    assert 'omics_cache_events_total{event="hit",tier="l1"}' in text
    assert 'omics_cache_requests_total{outcome="hit"}' in text
    assert "omics_cache_lookup_seconds_bucket" in text


@pytest.mark.parametrize(
    ("bobs", "alices"), [("liver NOT mouse", "liver not mouse"), ("liver -mouse", "liver \uff0dmouse")]
)
def test_a_cached_search_serves_only_requests_the_parser_reads_alike(
    live_server: Any, admin_headers: dict[str, dict[str, str]], engine: Any, bobs: str, alices: str
) -> None:
    """bob's exclusion must not answer alice's free text (lower-case ``not``, a fullwidth minus)."""
    from omics.search.request import SearchFilters, SearchRequest

    bound = 10_000_000 + random.randrange(10**9)
    bob, alice = admin_headers["researcher"], admin_headers["admin"]
    first = _post(live_server.url, {"query": bobs, "filters": {"max_samples": bound}}, bob)
    assert wait_for(live_server.url, first.json()["id"], headers=bob)["parsed"]["excluded"] == ["mouse"]
    answer = _post(live_server.url, {"query": alices, "filters": {"max_samples": bound}}, alice)
    if answer.status_code == 200:
        document = answer.json()
    else:
        document = wait_for(live_server.url, answer.json()["id"], headers=alice)
    expected = engine.search(SearchRequest(alices, filters=SearchFilters(max_samples=bound)))
    assert document["parsed"]["excluded"] == [] and document["total"] == expected.total


def test_a_hit_on_someone_elses_search_looks_like_a_miss(app: Any, celery_worker: Any) -> None:
    """An anonymous caller must not learn that another one ran the same query (issue #10)."""
    first, second = app.test_client(), app.test_client()
    first.environ_base["REMOTE_ADDR"], second.environ_base["REMOTE_ADDR"] = "192.0.2.10", "192.0.2.11"
    body = _unique("idiopathic pulmonary fibrosis lung")
    created = first.post("/api/v2/searches", json=body)
    assert created.status_code == 202 and created.headers["X-Cache"] == "miss"
    deadline = time.monotonic() + 60
    while first.get(f"/api/v2/searches/{created.json['id']}").json["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    repeat = first.post("/api/v2/searches", json=body)  # a caller's own repeat: a hit, as before
    assert repeat.status_code == 200 and repeat.headers["X-Cache"] in ("l1", "l2", "l3")

    other = second.post("/api/v2/searches", json=body)
    assert other.status_code == 202 and other.headers["X-Cache"] == "miss"
    assert other.json["status"] == "queued" and other.json["id"] != created.json["id"]
    done = second.get(f"/api/v2/searches/{other.json['id']}").json
    assert done["status"] == "completed" and done["results"] == repeat.json["results"]  # at once
    assert second.post("/api/v2/searches", json=body).status_code == 200  # now it is their repeat
