"""Durability and failure: a search outlives its web process; redelivery emits nothing twice;
losing Redis closes sockets with 1012 and makes the process report not-ready."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests

from omics.config import Settings
from omics.web.state import state_of
from tests.live_server import LiveServer
from tests.service_clients import assert_contiguous, connect, read_events, submit, wait_for


def test_a_search_outlives_the_web_process_that_started_it(
    settings: Settings, celery_app: Any, celery_worker: Any
) -> None:
    from app import create_app

    first = LiveServer(create_app(settings, celery_app))
    created = submit(first.url, {"query": "idiopathic pulmonary fibrosis lung"})
    first.stop()
    second = LiveServer(create_app(settings, celery_app))
    try:
        body = wait_for(second.url, created["id"])
        assert body["status"] == "completed" and body["results"]
        events, close_code = read_events(connect(second.ws_url, created["links"]["events"]))
        assert_contiguous(events)
        assert events[-1]["type"] == "completed" and close_code == 1000
    finally:
        second.stop()


def test_a_redelivered_search_emits_no_event_twice(live_server: Any, celery_app: Any) -> None:
    created = submit(live_server.url, {"query": "sjogren syndrome salivary gland"})
    wait_for(live_server.url, created["id"])
    before, _ = read_events(connect(live_server.ws_url, created["links"]["events"]))
    # The broker hands the same message over again (as after a worker loss with acks_late).
    assert celery_app.send_task("omics.search", args=[created["id"]]).get(timeout=20) == "completed"
    after, close_code = read_events(connect(live_server.ws_url, created["links"]["events"]))
    assert after == before and close_code == 1000


def test_a_poison_search_fails_instead_of_looping(
    live_server: Any, celery_app: Any, redis_client: Any
) -> None:
    import celeryconfig

    created = submit(live_server.url, {"query": "vitiligo"})
    wait_for(live_server.url, created["id"])
    key = f"omics:search:{{{created['id']}}}"
    # A search that never finished and has already been delivered the maximum number of times.
    redis_client.hset(key, mapping={"status": "running", "deliveries": celeryconfig.MAX_DELIVERIES})
    redis_client.delete(f"{key}:emitted", f"{key}:events")
    assert celery_app.send_task("omics.search", args=[created["id"]]).get(timeout=20) == "failed"
    body = requests.get(f"{live_server.url}{created['links']['self']}", timeout=10).json()
    assert body["status"] == "failed" and body["error"]["code"] == "poison"
    events, _ = read_events(connect(live_server.ws_url, created["links"]["events"]))
    assert [event["type"] for event in events] == ["failed"]


def test_losing_redis_closes_sockets_with_1012_and_reports_not_ready(
    tmp_path: Path, settings: Settings, engine: Any, celery_app: Any
) -> None:
    from app import create_app
    from omics.connections import start_embedded_redis, stop_embedded_redis
    from tasks.celery_app import create_celery

    # Its own embedded Redis (even when REDIS_URL is set), the session's data and engine.
    doomed = replace(settings, redis_url=start_embedded_redis(tmp_path))
    lonely_celery = create_celery(doomed)  # no worker listens here: the search stays queued
    server = LiveServer(create_app(doomed, lonely_celery))
    try:
        # A request no earlier test made: the data directory's L3 cache (shared with the session)
        # would otherwise answer 200 with a stored result and no socket would wait.
        never_cached = {"max_samples": 10_000_000 + uuid.uuid4().int % 10**9}
        created = submit(server.url, {"query": "asthma", "filters": never_cached})
        ws = connect(server.ws_url, created["links"]["events"], timeout=20)
        deadline = time.monotonic() + 10
        while requests.get(f"{server.url}/health/live", timeout=5).status_code != 200:
            assert time.monotonic() < deadline
        time.sleep(0.3)  # the socket is registered with the relay
        stop_embedded_redis(tmp_path)
        events, close_code = read_events(ws)
        assert events == [] and close_code == 1012
        ready = requests.get(f"{server.url}/health/ready", timeout=10)
        assert ready.status_code == 503
        checks = ready.json()["error"]["details"]
        assert checks["redis"] != "ok" and checks["events"] != "ok"
        assert json.loads(requests.get(f"{server.url}/health/live", timeout=5).text) == {"status": "ok"}
    finally:
        server.stop()


def test_an_engine_failure_ends_the_search_with_a_failed_event(
    live_server: Any, celery_app: Any, app: Any
) -> None:
    """A request the engine refuses (an example the web check would have stopped) fails cleanly."""
    from omics.search.request import SearchRequest

    store = state_of(app).services.store
    search_id = store.create(SearchRequest(similar_to=("GSE999999999",)), None)
    assert celery_app.send_task("omics.search", args=[search_id]).get(timeout=30) == "failed"
    events, close_code = read_events(connect(live_server.ws_url, f"/api/v2/searches/{search_id}/events"))
    assert events[-1]["type"] == "failed" and close_code == 1000
    assert_contiguous(events)
    body = requests.get(f"{live_server.url}/api/v2/searches/{search_id}", timeout=10).json()
    assert body["status"] == "failed" and body["error"]["code"] == "engine_error"


def test_the_reaper_resends_a_lost_search_once_and_fails_it_the_second_time(
    live_server: Any, celery_app: Any, app: Any, redis_client: Any
) -> None:
    """Issue 10, item 16: before, a search whose message was lost was failed as "stale" after
    minutes; now it is run (re-sent once), and only a search lost again is failed."""
    from omics.realtime.search_state import ACTIVE_INDEX
    from omics.search.request import SearchRequest

    store = state_of(app).services.store
    lost = store.create(SearchRequest(query="a search whose message was lost", page_size=17), None)
    redis_client.zadd(ACTIVE_INDEX, {lost: time.time() - 3600})
    redis_client.hset(f"omics:search:{{{lost}}}", "created", time.time() - 3600)  # never queued
    lost_again = store.create(SearchRequest(query="a search lost after its resend", page_size=18), None)
    redis_client.hset(
        f"omics:search:{{{lost_again}}}",
        mapping={"created": time.time() - 3600, "resent_at": time.time() - 1800},
    )
    assert celery_app.send_task("omics.maintenance.reap_stale_searches").get(timeout=30) >= 2

    body = wait_for(live_server.url, lost, timeout=30)
    assert body["status"] == "completed"
    events, close_code = read_events(connect(live_server.ws_url, f"/api/v2/searches/{lost}/events"))
    assert_contiguous(events)
    assert events[-1]["type"] == "completed" and close_code == 1000
    body = requests.get(f"{live_server.url}/api/v2/searches/{lost_again}", timeout=10).json()
    assert body["status"] == "failed" and body["error"]["code"] == "stale"
    events, close_code = read_events(connect(live_server.ws_url, f"/api/v2/searches/{lost_again}/events"))
    assert [event["type"] for event in events] == ["failed"] and close_code == 1000
    assert redis_client.zscore(ACTIVE_INDEX, lost_again) is None
