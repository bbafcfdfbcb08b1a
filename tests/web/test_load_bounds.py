"""Bounded load (issue #10, items 2 and 20): crafted queries, time budgets, fair scheduling, backlog.

Through the real app, the real Celery worker and Redis: a query over a complexity bound is
refused with 422 naming the bound (v1 and v2); a search over its time budget fails with the
reason; a caller holds at most a few searches in flight; a flood of anonymous searches does
not delay a signed-in user's; and a search queue over its backlog bound answers 503.

The admission tests use an app whose Celery broker keys carry a prefix of their own: nothing
consumes that queue, so its searches stay in flight and its backlog stays put for as long as
the test needs, even when the session's worker runs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from omics.config import LoadSettings, Settings
from omics.security import accounts
from omics.web.state import state_of

CRAFTED = "cell " + '-"cell gene" ' * 76  # 993 characters: 76 exclusions, 1-2 s a search before
PASSWORD = "a long load test password 7"
FLOOD = 30


def _v2(client: FlaskClient, body: dict[str, Any], **kwargs: Any) -> Any:
    return client.post("/api/v2/searches", json=body, **kwargs)


def test_a_crafted_query_is_refused_with_422_naming_the_bound(client: FlaskClient) -> None:
    started = time.perf_counter()
    response = _v2(client, {"query": CRAFTED})
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "query_too_complex"
    assert error["details"] == {
        "limit": "exclusions",
        "found": 76,
        "allowed": 8,
        "setting": "OMICS_MAX_QUERY_EXCLUSIONS",
    }
    assert "76 exclusions" in error["message"] and "at most 8" in error["message"]

    legacy = client.get("/api/v1/search", query_string={"q": CRAFTED})
    assert legacy.status_code == 422
    assert legacy.get_json()["error"]["details"]["limit"] == "exclusions"


@pytest.mark.parametrize(
    ("body", "limit"),
    [
        ({"query": " ".join(f'"cell w{i}"' for i in range(9))}, "phrases"),
        ({"query": " ".join(f"word{i}" for i in range(33))}, "terms"),
        ({"query": "cell", "similar_to": [f"GSE{100000 + i}" for i in range(51)]}, "examples"),
        ({"query": "more datasets like " + ", ".join(f"GSE{100000 + i}" for i in range(51))}, "examples"),
    ],
)
def test_every_bound_is_checked_on_what_the_parser_understood(
    client: FlaskClient, body: dict[str, Any], limit: str
) -> None:
    response = _v2(client, body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["details"]["limit"] == limit


def test_a_query_within_the_bounds_still_runs(client: FlaskClient, celery_worker: Any) -> None:
    response = _v2(client, {"query": 'breast cancer -mouse NOT "cell line" "gene expression"'})
    assert response.status_code in (200, 202), response.get_json()


def test_the_engine_stops_a_search_over_its_budget_between_stages(engine: Any) -> None:
    from omics.search.budget import Budget, SearchOverBudget
    from omics.search.request import SearchRequest

    stages: list[str] = []
    with pytest.raises(SearchOverBudget) as over:
        engine.search(
            SearchRequest(query="breast cancer"), lambda stage, *_: stages.append(stage), budget=Budget(0)
        )
    assert stages == ["parse"]  # stopped after the first stage, not at the end
    assert over.value.stage == "retrieve"
    assert "time budget of 0 s" in str(over.value)
    assert engine.search(SearchRequest(query="breast cancer"), budget=Budget(30)).total > 0


def test_a_search_over_budget_fails_with_the_reason(
    client: FlaskClient, celery_worker: Any, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine.settings.load, "search_budget_seconds", 0)
    response = _v2(client, {"query": f"liver fibrosis budget{uuid.uuid4().hex[:8]}"})
    assert response.status_code == 202
    search = _wait(client, response.get_json()["id"], {})
    assert search["status"] == "failed"
    assert search["error"]["code"] == "timeout"
    assert "time budget of 0 s" in search["error"]["message"]

    legacy = client.get("/api/v1/search", query_string={"q": f"liver budget{uuid.uuid4().hex[:8]}"})
    assert legacy.status_code == 503
    assert legacy.headers["Retry-After"]
    assert legacy.get_json()["error"]["code"] == "search_timeout"


def _wait(client: FlaskClient, search_id: str, headers: dict[str, str], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v2/searches/{search_id}", headers=headers).get_json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.02)
    raise AssertionError(f"search {search_id} did not finish in {timeout} s")


def _signed_in(app: Flask) -> dict[str, str]:
    name = f"load-{uuid.uuid4().hex[:10]}"
    with state_of(app).security.database.transaction() as session:
        accounts.create_user(session, name, PASSWORD, "researcher")
    response = app.test_client().post("/api/v2/auth/login", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _timed_search(client: FlaskClient, headers: dict[str, str]) -> tuple[str, float]:
    started = time.perf_counter()
    response = _v2(client, {"query": f"liver fibrosis patients w{uuid.uuid4().hex[:8]}"}, headers=headers)
    assert response.status_code == 202, response.get_json()
    search = _wait(client, response.get_json()["id"], headers)
    assert search["status"] == "completed"
    return search["id"], time.perf_counter() - started


def test_an_anonymous_flood_does_not_starve_a_signed_in_user(
    app: Flask, client: FlaskClient, celery_worker: Any, engine: Any
) -> None:
    headers = _signed_in(app)
    _, idle = _timed_search(client, headers)

    examples = [record.accession for record in engine.store.records[:4000:8]]
    exclusions = " ".join(
        f'-"{p}"'
        for p in ("cell gene", "cell line", "cell type", "cell cycle", "gene expression", "cell death")
    )
    flood = []
    # The flood is queued at once (the worker stops taking messages meanwhile), as a burst of
    # clients would queue it; the test client alone could not outpace four busy worker threads.
    control = celery_worker.app.control
    control.cancel_consumer("search", destination=[celery_worker.hostname], reply=True)
    try:
        for i in range(FLOOD):  # each distinct (no cache, no single flight), each ~0.4 s of engine time
            body = {"query": f"cell {exclusions}", "similar_to": examples[i : i + 50]}
            response = _v2(client, body, environ_base={"REMOTE_ADDR": f"10.9.{i}.1"})
            assert response.status_code == 202, response.get_json()
            flood.append(response.get_json()["id"])
    finally:
        control.add_consumer("search", destination=[celery_worker.hostname], reply=True)

    store = state_of(app).services.store

    def unfinished() -> int:
        return sum(not store.get(search_id).terminal for search_id in flood)

    before = unfinished()
    _, loaded = _timed_search(client, headers)
    after = unfinished()
    print(
        f"idle {idle:.2f} s, under the flood {loaded:.2f} s; flood unfinished {before} -> {after} of {FLOOD}"
    )
    # Queued behind a real flood, the user's search ended while most of that flood still waited
    # (first in, first out, it would have waited for all of it), and in a time close to idle.
    assert before >= FLOOD - 6  # four taken by the worker's threads, give or take
    assert after >= before // 2
    assert loaded < 10 * idle + 3.0
    for search_id in flood:  # leave the worker idle for the next test
        _wait(client, search_id, {}, timeout=120)


@pytest.fixture
def admission_app(settings: Settings, celery_app: Any) -> Iterator[Flask]:
    """An app with tight admission bounds whose search queue no worker consumes."""
    from app import create_app
    from tasks.celery_app import create_celery

    bounded = replace(settings, load=LoadSettings(max_searches_in_flight=2, max_queue_backlog=4))
    unconsumed = create_celery(bounded)
    prefix = f"test-unconsumed-{uuid.uuid4().hex[:8]}:"
    unconsumed.conf.broker_transport_options = {
        **unconsumed.conf.broker_transport_options,
        "global_keyprefix": prefix,
    }
    app = create_app(bounded, unconsumed)
    yield app
    services = state_of(app).services
    for key in services.redis.scan_iter(match=prefix + "*"):
        services.redis.delete(key)


def test_a_caller_holds_at_most_a_few_searches_in_flight(admission_app: Flask) -> None:
    client = admission_app.test_client()
    mine = {"environ_base": {"REMOTE_ADDR": "10.8.0.1"}}
    first = [
        _v2(client, {"query": f"liver w{uuid.uuid4().hex[:8]}"}, **mine).get_json()["id"] for _ in range(2)
    ]
    refused = _v2(client, {"query": f"liver w{uuid.uuid4().hex[:8]}"}, **mine)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_searches"
    assert error["details"] == {"in_flight": 2, "allowed": 2}

    other = _v2(client, {"query": f"liver w{uuid.uuid4().hex[:8]}"}, environ_base={"REMOTE_ADDR": "10.8.0.2"})
    assert other.status_code == 202  # another caller is not held back

    state_of(admission_app).services.lifecycle.fail(first[0], "test", "finished")
    again = _v2(client, {"query": f"liver w{uuid.uuid4().hex[:8]}"}, **mine)
    assert again.status_code == 202  # a finished search frees its slot


def test_a_search_queue_over_its_backlog_bound_answers_503(admission_app: Flask) -> None:
    client = admission_app.test_client()
    for i in range(4):
        response = _v2(
            client, {"query": f"liver w{uuid.uuid4().hex[:8]}"}, environ_base={"REMOTE_ADDR": f"10.7.{i}.1"}
        )
        assert response.status_code == 202
    time.sleep(1.1)  # a process counts the backlog at most once a second
    refused = _v2(
        client, {"query": f"liver w{uuid.uuid4().hex[:8]}"}, environ_base={"REMOTE_ADDR": "10.7.9.1"}
    )
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) >= 1
    error = refused.get_json()["error"]
    assert error["code"] == "overloaded"
    assert error["details"] == {"waiting": 4, "allowed": 4}
