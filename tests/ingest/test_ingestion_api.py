"""Ingestion, saved searches and alerts over real HTTP and WebSockets, with a real Celery worker
process on the ingest queue, real Redis and the fake NCBI server.

Searches here are v1's (answered in the web process), because the session's search worker, if
another module started it, serves another data directory on the same search queue.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests
import websocket

from omics.cache.system import shared_cache
from omics.ingest.saga import ingestion_params
from omics.runtime import shared_engine
from omics.runtime.ingestion import build_ingestion
from omics.search.request import SearchRequest
from tests.ingest.conftest import ingest_stack
from tests.live_server import LiveServer
from tests.security.conftest import PASSWORD

MARCH = {"since": "2024-03-01", "until": "2024-03-31"}
# Users' live channels live in Redis by username: names of this run only, so a shared Redis
# holding an earlier run's channels (same names, another database) cannot leak into this one.
RUN = uuid.uuid4().hex[:8]
USERS = {"alice": "researcher", "bob": "researcher", "carol": "curator", "root": "admin"}


@pytest.fixture(scope="module")
def stack(ingest_settings, ncbi, tmp_path_factory):
    """A web server in this process and a worker process on the ingest queue, on one data directory."""
    users = {f"{name}-{RUN}": role for name, role in USERS.items()}
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with ingest_stack(ingest_settings, ncbi, users, PASSWORD, log) as server:
        yield server


def token(server: LiveServer, username: str) -> dict[str, str]:
    answer = requests.post(
        f"{server.url}/api/v2/auth/login",
        json={"username": f"{username}-{RUN}", "password": PASSWORD},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def frames_until_close(ws: websocket.WebSocket, patience: float = 60) -> list[dict[str, Any]]:
    ws.settimeout(patience)
    events = []
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return events
        if opcode == websocket.ABNF.OPCODE_TEXT:
            events.append(json.loads(data))


def next_message(ws: websocket.WebSocket, patience: float = 30) -> dict[str, Any]:
    ws.settimeout(patience)
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        assert opcode != websocket.ABNF.OPCODE_CLOSE, "the channel closed"
        if opcode == websocket.ABNF.OPCODE_TEXT:
            return dict(json.loads(data))


def ingest(server: LiveServer, body: dict[str, Any], who: dict[str, str]) -> tuple[dict, list[dict]]:
    """POST an ingestion, follow its socket to the end; the saga as GET shows it, and the events."""
    started = requests.post(f"{server.url}/api/v2/ingestions", json=body, headers=who, timeout=10)
    assert started.status_code == 202, started.text
    accepted = started.json()
    assert accepted["status"] == "running" and accepted["links"]["self"].endswith(accepted["id"])
    ws = websocket.create_connection(
        f"{server.ws_url}{accepted['links']['events']}", header=[f"Authorization: {who['Authorization']}"]
    )
    events = frames_until_close(ws)
    saga = requests.get(f"{server.url}{accepted['links']['self']}", headers=who, timeout=10)
    assert saga.status_code == 200
    return saga.json(), events


def user_channel(server: LiveServer, who: dict[str, str], after: int = 0) -> websocket.WebSocket:
    return websocket.create_connection(
        f"{server.ws_url}/api/v2/events?after={after}",
        header=[f"Authorization: {who['Authorization']}"],
        timeout=30,
    )


def v1_hits(server: LiveServer, query: str) -> list[str]:
    answer = requests.get(f"{server.url}/api/v1/search", params={"q": query}, timeout=30)
    return [result["accession"] for result in answer.json()["results"]]


def on_disk(settings) -> tuple[str, ...]:
    """What the worker process commits: the corpus state, added records and the index manifest."""
    corpus = settings.data_dir / "corpus"
    files = (corpus / "state.json", corpus / "added.jsonl", settings.data_dir / "index" / "manifest.json")
    return tuple(path.read_text() if path.exists() else "" for path in files)


def test_only_curators_and_admins_start_ingestions(stack) -> None:
    alice, carol = token(stack, "alice"), token(stack, "carol")
    forbidden = requests.post(f"{stack.url}/api/v2/ingestions", json=MARCH, headers=alice, timeout=10)
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    anonymous = requests.post(f"{stack.url}/api/v2/ingestions", json=MARCH, timeout=10)
    assert anonymous.status_code == 401
    for who in (alice, carol):  # the saga listing is the admins'
        listing = requests.get(f"{stack.url}/api/v2/admin/sagas", headers=who, timeout=10)
        assert listing.status_code == 403
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:  # the user channel needs a login
        websocket.create_connection(f"{stack.ws_url}/api/v2/events", timeout=10)
    assert refused.value.status_code == 401
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:  # an ingestion's, a curator
        websocket.create_connection(
            f"{stack.ws_url}/api/v2/ingestions/x/events",
            header=[f"Authorization: {alice['Authorization']}"],
            timeout=10,
        )
    assert refused.value.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"since": "2024-13-01"},
        {"since": "2024-03-01", "accessions": ["GSE1"]},
        {"until": "2024-03-01"},
        {"since": "2024-05-01", "until": "2024-01-01"},
        {"accessions": ["GDS5"]},
        {"accessions": []},
        {"all": "yes"},
        {"all": False},
        {"since": "2024-03-01", "colour": "red"},
        ["GSE1"],
    ],
)
def test_a_bad_ingestion_body_is_a_clear_422(stack, body) -> None:
    answer = requests.post(
        f"{stack.url}/api/v2/ingestions", json=body, headers=token(stack, "carol"), timeout=10
    )
    assert answer.status_code == 422, answer.text
    assert set(answer.json()["error"]) == {"code", "message", "details"}


def test_bad_requests_around_ingestions_and_saved_searches(stack) -> None:
    carol, alice = token(stack, "carol"), token(stack, "alice")
    not_json = requests.post(f"{stack.url}/api/v2/ingestions", data="since=2024", headers=carol, timeout=10)
    assert not_json.status_code == 415
    broken = requests.post(
        f"{stack.url}/api/v2/ingestions",
        data="{",
        headers={**carol, "Content-Type": "application/json"},
        timeout=10,
    )
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "bad_request"
    missing = requests.get(f"{stack.url}/api/v2/ingestions/nope", headers=carol, timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    saved = f"{stack.url}/api/v2/saved-searches"
    for body in (
        {"query": "asthma"},
        {"name": "x"},
        {"name": " ", "query": "asthma"},
        {"name": "x", "query": "a", "sort": "z"},
    ):
        answer = requests.post(saved, json=body, headers=alice, timeout=10)
        assert answer.status_code == 422, (body, answer.text)
    bad_after = requests.get(f"{stack.url}/api/v2/alerts?after=-1", headers=alice, timeout=10)
    assert bad_after.status_code == 422


def test_saved_searches_belong_to_their_owner(stack) -> None:
    alice, bob = token(stack, "alice"), token(stack, "bob")
    url = f"{stack.url}/api/v2/saved-searches"
    made = requests.post(url, json={"name": "Kidney", "query": "okapi kidney"}, headers=alice, timeout=10)
    assert made.status_code == 201
    saved = made.json()
    assert saved["name"] == "Kidney" and saved["query"] == "okapi kidney" and saved["sort"] == "relevance"
    assert requests.get(f"{url}/{saved['id']}", headers=bob, timeout=10).status_code == 404
    assert requests.delete(f"{url}/{saved['id']}", headers=bob, timeout=10).status_code == 404
    assert saved["id"] not in [
        s["id"] for s in requests.get(url, headers=bob, timeout=10).json()["saved_searches"]
    ]
    assert requests.get(f"{url}/{saved['id']}", headers=alice, timeout=10).json() == saved
    assert requests.delete(f"{url}/{saved['id']}", headers=alice, timeout=10).status_code == 204
    assert requests.get(f"{url}/{saved['id']}", headers=alice, timeout=10).status_code == 404


def test_an_ingestion_publishes_searchable_series_and_alerts_survive_a_reconnect(
    stack, ingest_settings
) -> None:
    alice, carol, root = token(stack, "alice"), token(stack, "carol"), token(stack, "root")
    saved_url = f"{stack.url}/api/v2/saved-searches"
    blubber = requests.post(
        saved_url, json={"name": "Blubber", "query": "narwhal blubber"}, headers=alice, timeout=10
    )
    okapi = requests.post(
        saved_url, json={"name": "Okapi", "query": "okapi liver"}, headers=alice, timeout=10
    )
    assert blubber.status_code == okapi.status_code == 201
    assert v1_hits(stack, "narwhal tusk") == []
    engine = shared_engine(ingest_settings)
    channel = user_channel(stack, alice)

    saga, events = ingest(stack, MARCH, carol)
    assert saga["status"] == "completed", saga
    assert [step["status"] for step in saga["steps"]] == ["done"] * 7
    assert saga["counts"]["published"] == 2 and saga["error"] is None
    assert events[-1]["type"] == "completed"
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    # Found by a search in the running server, without a restart, with what esummary gave.
    assert v1_hits(stack, "narwhal tusk")[0] == "GSE990101"
    record = requests.get(f"{stack.url}/api/v2/datasets/GSE990101", timeout=10).json()
    assert record["pubmed_ids"] == ["39000001"] and record["submission_date"] == "2024-03-02"
    assert record["samples"] == [{"accession": "GSM9901011", "title": "tusk pulp 1"}]
    # Found through its sample titles alone (v1 shows no reasons; the server's engine says why).
    assert v1_hits(stack, "lipodystrophy") == ["GSE990102"]
    [hit] = engine.search(SearchRequest(query="lipodystrophy")).hits
    engine.explain(hit)
    assert "2 of 4 samples mention lipodystrophy" in hit.reasons

    listed = requests.get(f"{stack.url}/api/v2/alerts", headers=alice, timeout=10).json()["alerts"]
    live = [next_message(channel) for _ in listed]  # live, on the owner's socket, one per alert
    assert [m["seq"] for m in live] == list(range(1, len(listed) + 1))
    alert = next(m for m in live if m["accession"] == "GSE990102")
    assert (alert["type"], alert["saved_search_id"]) == ("alert", blubber.json()["id"])
    assert alert["title"] == "Narwhal blubber adipocyte atlas" and alert["created_at"]
    channel.close()

    version = engine.store.disk_version()  # what the worker process committed
    again, _ = ingest(stack, MARCH, carol)  # a re-run changes nothing
    assert again["status"] == "completed" and again["counts"]["published"] == 0
    assert engine.store.disk_version() == version

    okapi_saga, _ = ingest(stack, {"accessions": ["gse990103"]}, carol)  # while alice is away
    assert okapi_saga["status"] == "completed" and okapi_saga["counts"]["alerts"] == 1
    resumed = user_channel(stack, alice, after=live[-1]["seq"])
    missed = next_message(resumed)
    assert (missed["seq"], missed["accession"], missed["saved_search_id"]) == (
        live[-1]["seq"] + 1,
        "GSE990103",
        okapi.json()["id"],
    )
    resumed.close()
    listed = requests.get(f"{stack.url}/api/v2/alerts", headers=alice, timeout=10).json()["alerts"]
    assert {"GSE990102", "GSE990103"} <= {a["accession"] for a in listed} and len(listed) == missed["seq"]
    assert requests.get(f"{stack.url}/api/v2/alerts", headers=carol, timeout=10).json()["alerts"] == []
    sagas = requests.get(f"{stack.url}/api/v2/admin/sagas", headers=root, timeout=10).json()["sagas"]
    assert {okapi_saga["id"], again["id"], saga["id"]} <= {s["id"] for s in sagas}


def test_one_ingestion_runs_at_a_time(stack, ingest_settings) -> None:
    runner = build_ingestion(ingest_settings, ingest_settings.redis_url).runner
    running = runner.start(ingestion_params(accessions=["GSE990050"]))  # its worker is busy elsewhere
    try:
        answer = requests.post(
            f"{stack.url}/api/v2/ingestions", json=MARCH, headers=token(stack, "carol"), timeout=10
        )
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "ingestion_running"
        assert answer.json()["error"]["details"]["running"] == running
    finally:
        runner.compensate(running, "test over")


def test_an_ended_ingestion_whose_events_expired_answers_410(stack, ingest_settings, redis_client) -> None:
    """Sagas outlive their event streams: a socket would otherwise wait for an end never sent."""
    runner = build_ingestion(ingest_settings, ingest_settings.redis_url).runner
    saga_id = runner.start(ingestion_params(accessions=["GSE990050"]))
    runner.compensate(saga_id, "test over")
    for kind_key in redis_client.scan_iter(f"omics:ingestion:{{{saga_id}}}:*"):
        redis_client.delete(kind_key)  # what the stream's TTL does
    carol = token(stack, "carol")
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            f"{stack.ws_url}/api/v2/ingestions/{saga_id}/events",
            header=[f"Authorization: {carol['Authorization']}"],
            timeout=10,
        )
    assert refused.value.status_code == 410
    assert (
        requests.get(f"{stack.url}/api/v2/ingestions/{saga_id}", headers=carol, timeout=10).json()["status"]
        == "compensated"
    )


def test_a_permanent_ncbi_failure_compensates_and_changes_nothing(stack, ingest_settings, ncbi) -> None:
    carol = token(stack, "carol")
    engine = shared_engine(ingest_settings)
    cache = shared_cache(ingest_settings.redis_url, ingest_settings)
    cached = SearchRequest(query="narwhal tusk")
    version = engine.store.disk_version()
    cache.remember_search(cached, version, {"search_id": "s", "owner": None, "response": {"total": 1}})
    before = on_disk(ingest_settings)
    ncbi.faults.down_endpoints.add("esummary.fcgi")  # esearch answers, every esummary fails
    try:
        saga, events = ingest(stack, {"since": "2023-01-01", "until": "2023-12-31"}, carol)
    finally:
        ncbi.faults.down_endpoints.clear()
    assert saga["status"] == "compensated" and "fetch" in saga["error"]
    assert events[-1]["type"] == "compensated"
    assert {step["name"]: step["status"] for step in saga["steps"]}["fetch"] == "compensated"
    assert on_disk(ingest_settings) == before
    assert cache.lookup(cached, version).entry is not None
    assert "GSE990050" not in v1_hits(stack, "old narwhal study outside")
    assert not (ingest_settings.data_dir / "ingest" / saga["id"] / "raw").exists()
