"""Rate limits declared on views (omics.web.rate_limits), through a real app and Flask test client.

The app is the real one (``create_app``) with tight limits, counting in the session's Redis.
A probe blueprint is registered *after* ``create_app`` initialised the limiter: a view marked
``@rate_limited`` must be limited wherever and whenever its blueprint is registered, and an
unmarked one never. Every caller (address, user, API key) is unique to the test run, so runs
against a shared Redis never share a budget.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token
from sqlalchemy import select

from omics.config import SecuritySettings, ServiceSettings, Settings
from omics.security import accounts, api_keys, audit
from omics.security.models import AuditEntry
from omics.web.rate_limits import rate_limited
from omics.web.state import state_of

ANONYMOUS_LIMIT = 3
USER_LIMIT = 5

probe = Blueprint("rate_limit_probe", __name__)


@probe.get("/probe/limited")
@rate_limited
def limited_view() -> dict[str, bool]:
    return {"ok": True}


@probe.get("/probe/open")
def open_view() -> dict[str, bool]:
    return {"ok": True}


@pytest.fixture(scope="module")
def settings_with_tight_limits(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("rate-limit-data"),
        redis_url=redis_url,
        secret_key="rate-limit-tests-" + uuid.uuid4().hex,
        service=ServiceSettings(max_body_bytes=16 * 1024, ws_ping_interval=25),
        security=SecuritySettings(
            database_url=None,  # SQLite in the data directory
            rate_limit_anonymous=f"{ANONYMOUS_LIMIT}/minute",
            rate_limit_user=f"{USER_LIMIT}/minute",
        ),
    )


@pytest.fixture(scope="module")
def limited_app(settings_with_tight_limits: Settings, celery_app: Any) -> Flask:
    from app import create_app

    app = create_app(settings_with_tight_limits, celery_app)
    assert state_of(app).limiter.initialized  # the limiter is bound already ...
    app.register_blueprint(probe)  # ... and only now is the probe blueprint registered
    return app


@pytest.fixture
def user(limited_app: Flask) -> str:
    """A researcher of this test only (a user's budget is shared by all their calls)."""
    name = f"limits-{uuid.uuid4().hex[:10]}"
    with state_of(limited_app).security.database.transaction() as session:
        accounts.create_user(session, name, "a long rate limit password 3", "researcher")
    return name


@pytest.fixture
def client_from(limited_app: Flask) -> Callable[[], FlaskClient]:
    """Test clients each calling from an address no other test (or run) uses."""

    def make() -> FlaskClient:
        client = limited_app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"
        return client

    return make


def bearer_for(app: Flask, username: str) -> dict[str, str]:
    with app.app_context():
        token = create_access_token(username, additional_claims={"role": "researcher"})
    return {"Authorization": f"Bearer {token}"}


def api_key_for(app: Flask, username: str) -> dict[str, str]:
    with state_of(app).security.database.transaction() as session:
        owner = accounts.find_user(session, username)
        assert owner is not None
        secret = api_keys.create_key(session, owner, f"script-{uuid.uuid4().hex[:6]}", ["search"]).secret
    return {"X-API-Key": secret}


def statuses(client: FlaskClient, count: int, path: str = "/probe/limited", **headers: str) -> list[int]:
    return [client.get(path, headers=headers).status_code for _ in range(count)]


def test_a_marked_view_counts_calls_and_answers_429_with_retry_after_once_over(
    client_from: Callable[[], FlaskClient],
) -> None:
    client = client_from()
    allowed = [client.get("/probe/limited") for _ in range(ANONYMOUS_LIMIT)]
    assert [response.status_code for response in allowed] == [200] * ANONYMOUS_LIMIT
    assert [int(response.headers["X-RateLimit-Remaining"]) for response in allowed] == [2, 1, 0]
    refused = client.get("/probe/limited")
    assert refused.status_code == 429 and refused.is_json
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert refused.get_json()["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert statuses(client, 2) == [429, 429]  # and stays refused within the window


def test_an_unmarked_view_is_never_limited(client_from: Callable[[], FlaskClient]) -> None:
    client = client_from()
    assert statuses(client, ANONYMOUS_LIMIT + 1)[-1] == 429  # this caller is over its limit ...
    assert statuses(client, 3 * ANONYMOUS_LIMIT, "/probe/open") == [200] * 3 * ANONYMOUS_LIMIT  # ... here too
    assert "X-RateLimit-Remaining" not in client.get("/probe/open").headers
    assert statuses(client, 2, "/health/live") == [200, 200]


def test_anonymous_callers_are_counted_per_address(client_from: Callable[[], FlaskClient]) -> None:
    first, second = client_from(), client_from()
    assert statuses(first, ANONYMOUS_LIMIT + 1)[-1] == 429
    assert statuses(second, ANONYMOUS_LIMIT) == [200] * ANONYMOUS_LIMIT


def test_a_user_is_counted_across_addresses_with_the_user_limit(
    limited_app: Flask, client_from: Callable[[], FlaskClient], user: str
) -> None:
    token = bearer_for(limited_app, user)
    home, travelling = client_from(), client_from()
    calls = statuses(home, 3, **token) + statuses(travelling, USER_LIMIT - 3, **token)
    assert calls == [200] * USER_LIMIT  # more than an anonymous caller may make ...
    assert statuses(client_from(), 1, **token) == [429]  # ... and one budget wherever they call from
    assert statuses(home, ANONYMOUS_LIMIT) == [200] * ANONYMOUS_LIMIT  # the address's own budget is untouched


def test_a_users_keys_and_tokens_share_one_budget(
    limited_app: Flask, client_from: Callable[[], FlaskClient], user: str
) -> None:
    """More keys buy no more calls: every credential of a user draws on the user's one budget."""
    keys = [api_key_for(limited_app, user) for _ in range(3)]
    client = client_from()
    calls = [statuses(client, 1, **keys[n % len(keys)])[0] for n in range(USER_LIMIT - 1)]
    assert calls + statuses(client, 1, **bearer_for(limited_app, user)) == [200] * USER_LIMIT
    assert [statuses(client, 1, **key)[0] for key in keys] == [429] * len(keys)
    assert statuses(client, 1, **bearer_for(limited_app, user)) == [429]


def test_every_limited_view_draws_on_one_budget(client_from: Callable[[], FlaskClient]) -> None:
    """v1 search, v2 search and login are not separate buckets: a caller has one budget."""
    client = client_from()
    assert statuses(client, 1) == [200]
    assert client.get("/api/v1/search?q=asthma").status_code == 200
    assert client.post("/api/v2/auth/login", json={"username": "nobody", "password": "x"}).status_code == 401
    assert client.post("/api/v2/searches", json={"query": ""}).status_code == 429
    assert client.get("/api/v1/search?q=asthma").status_code == 429
    assert client.post("/api/v2/auth/login", json={"username": "nobody", "password": "x"}).status_code == 429
    assert statuses(client, 1) == [429]


def test_every_web_process_enforces_one_budget(
    limited_app: Flask, settings_with_tight_limits: Settings, celery_app: Any
) -> None:
    """Counters live in the shared Redis: a second app (another web process) sees the same count."""
    from app import create_app

    other = create_app(settings_with_tight_limits, celery_app)
    other.register_blueprint(probe)
    address = f"2001:db8::{uuid.uuid4().hex[:4]}:1"
    here, there = limited_app.test_client(), other.test_client()
    for client in (here, there):
        client.environ_base["REMOTE_ADDR"] = address
    assert statuses(here, ANONYMOUS_LIMIT - 1) + statuses(there, 1) == [200] * ANONYMOUS_LIMIT
    assert statuses(here, 1) == statuses(there, 1) == [429]


def test_only_the_first_breach_of_a_caller_is_audited(
    limited_app: Flask, client_from: Callable[[], FlaskClient]
) -> None:
    client = client_from()
    assert statuses(client, ANONYMOUS_LIMIT + 4)[ANONYMOUS_LIMIT:] == [429] * 4
    database = state_of(limited_app).security.database
    address = client.environ_base["REMOTE_ADDR"]
    with database.transaction() as session:
        rows = [
            audit.entry_to_dict(entry)
            for entry in session.scalars(select(AuditEntry).where(AuditEntry.action == "rate_limited"))
            if entry.ip == address
        ]
    assert len(rows) == 1
    assert rows[0]["outcome"] == "denied" and rows[0]["details"]["counted_by"] == f"ip:{address}"
    assert rows[0]["details"]["path"] == "/probe/limited"


def test_head_counts_against_the_same_budget_as_get(client_from: Callable[[], FlaskClient]) -> None:
    """HEAD (which Flask adds to every GET route) is one more call on the GET's counter."""
    client = client_from()
    heads = [client.head("/probe/limited").status_code for _ in range(ANONYMOUS_LIMIT - 1)]
    assert heads == [200] * (ANONYMOUS_LIMIT - 1)
    assert statuses(client, 2) == [200, 429]
    assert client.head("/probe/limited").status_code == 429


def test_head_on_v1_search_is_limited_and_runs_no_search(
    limited_app: Flask, client_from: Callable[[], FlaskClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    from omics.search.engine import SearchEngine

    searches: list[str] = []
    real_search = SearchEngine.search
    monkeypatch.setattr(
        SearchEngine,
        "search",
        lambda engine, request, *a: searches.append(request.query) or real_search(engine, request, *a),
    )
    client = client_from()
    answers = [client.head("/api/v1/search?q=liver+fibrosis") for _ in range(ANONYMOUS_LIMIT + 1)]
    assert [answer.status_code for answer in answers] == [200] * ANONYMOUS_LIMIT + [429]
    assert answers[0].headers["Deprecation"] and answers[0].data == b""
    assert searches == []  # nothing computed for an answer without a body
    assert client.head("/api/v1/search?limit=0").status_code == 429  # over budget before validation
    assert client_from().head("/api/v1/search?limit=0").status_code == 422  # the query is still validated
    assert client_from().get("/api/v1/search?q=liver+fibrosis").status_code == 200
    assert searches == ["liver fibrosis"]  # GET runs it (the spy sees real searches)
