"""Red-team findings of issue #10 closed at the web layer: each test failed on the code before."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from omics.security.database import Database
from omics.web.state import state_of
from tests.security.conftest import audit_rows, bearer
from tests.security.test_keys_admin_web import login_from_other_address


def _request_series(client: FlaskClient) -> set[str]:
    text = client.get("/metrics").get_data(as_text=True)
    return {
        line.split(" ")[0]
        for line in text.splitlines()
        if line.startswith("omics_http_requests_total{") and 'endpoint="health.metrics"' not in line
    }


def test_unknown_methods_do_not_grow_the_metrics(client: FlaskClient) -> None:
    client.open("/api/v2/searches", method="BREW")  # the "other" series exists from here on
    before = _request_series(client)
    for _ in range(40):
        assert client.open("/api/v2/searches", method=f"X{uuid.uuid4().hex[:8].upper()}").status_code == 405
    after = _request_series(client)
    assert after == before
    assert any('method="other"' in series for series in after)


def _audit_rows_from(database: Database, action: str, address: str) -> list[dict[str, Any]]:
    return [row for row in audit_rows(database, action) if row["ip"] == address]


def test_failed_authentication_is_limited_per_address_and_audited_in_aggregate(
    client: FlaskClient, accounts_db: Database, secure_app: Flask
) -> None:
    allowed = int(state_of(secure_app).settings.security.auth_failure_limit.split("/")[0])
    address = client.environ_base["REMOTE_ADDR"]
    answers = [
        client.get("/api/v2/auth/me", headers={"X-API-Key": f"omk_guess{n}"}) for n in range(allowed + 5)
    ]
    assert [a.status_code for a in answers] == [401] * allowed + [429] * 5
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert len(_audit_rows_from(accounts_db, "api_key_rejected", address)) == 1  # not one row per guess
    # Over the limit, even a good credential from that address waits: guessing cannot go on.
    token = login_from_other_address(client)
    assert client.get("/api/v2/auth/me", headers=bearer(token)).status_code == 429
    other = FlaskClient(secure_app, secure_app.response_class)
    other.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    assert other.get("/api/v2/auth/me", headers=bearer(token)).status_code == 200


def test_repeated_failures_are_counted_on_the_next_audit_row(
    client: FlaskClient, accounts_db: Database, secure_app: Flask
) -> None:
    address = client.environ_base["REMOTE_ADDR"]
    for _ in range(4):
        assert client.get("/api/v2/auth/me", headers=bearer("not.a.token")).status_code == 401
    assert len(_audit_rows_from(accounts_db, "token_rejected", address)) == 1
    redis = state_of(secure_app).services.redis
    for marker in redis.scan_iter(f"omics:audit:first:token_rejected:{address}:*"):
        redis.delete(marker)  # the window ends
    assert client.get("/api/v2/auth/me", headers=bearer("not.a.token")).status_code == 401
    rows = _audit_rows_from(accounts_db, "token_rejected", address)
    assert len(rows) == 2 and rows[-1]["details"]["repeated"] == 3
