"""Red-team findings of issue #10 closed at the web layer: each test failed on the code before."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from omics.security.database import Database
from omics.web.state import state_of
from tests.security.conftest import audit_rows, audit_text, bearer
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


# -- item 13: the lower-severity findings, one test each ------------------------------------------


def _completed_search(app: Flask, owner: str | None) -> str:
    from omics.search.presentation import completed_document
    from omics.search.request import SearchRequest

    services = state_of(app).services
    request = SearchRequest(query="breast cancer", page_size=5)
    document = completed_document(services.engine, request, services.engine.search(request))
    return services.lifecycle.restore(request, owner, document).id


def test_a_forged_cursor_is_400_never_500(client: FlaskClient, secure_app: Flask) -> None:
    import base64
    import hashlib
    import json

    search_id = _completed_search(secure_app, None)
    first = client.get(f"/api/v2/searches/{search_id}").get_json()
    assert (
        first["next_cursor"]
        and client.get(f"/api/v2/searches/{search_id}?cursor={first['next_cursor']}").status_code == 200
    )
    for forged in ([1], {"p": 10**30, "s": search_id}, {"p": True, "s": search_id}, {"p": 5, "s": search_id}):
        payload = json.dumps(forged, separators=(",", ":")).encode()  # the old, unkeyed check
        check = hashlib.blake2s(payload, digest_size=6).hexdigest().encode()
        cursor = base64.urlsafe_b64encode(payload + b"." + check).decode().rstrip("=")
        answer = client.get(f"/api/v2/searches/{search_id}?cursor={cursor}")
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "bad_request", forged


def test_a_deeply_nested_body_is_400(client: FlaskClient) -> None:
    answer = client.post("/api/v2/searches", data="[" * 7000 + "]" * 7000, content_type="application/json")
    assert answer.status_code == 400 and answer.get_json()["error"]["message"]


def test_a_websocket_upgrade_without_a_version_is_426_or_400(client: FlaskClient, secure_app: Flask) -> None:
    search_id = _completed_search(secure_app, None)
    upgrade = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    missing = client.get(f"/api/v2/searches/{search_id}/events", headers=upgrade)
    assert missing.status_code == 426 and missing.headers["Sec-WebSocket-Version"] == "13"
    assert missing.get_json()["error"]["code"] == "upgrade_required"
    bad_key = {**upgrade, "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "short"}
    assert client.get(f"/api/v2/searches/{search_id}/events", headers=bad_key).status_code == 400


def test_every_response_carries_security_headers_and_no_server_version(client: FlaskClient) -> None:
    for path in ("/", "/api/v2/openapi.json", "/health/live", "/no/such/page"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"


def test_public_readiness_names_failing_checks_without_their_errors(
    client: FlaskClient, secure_app: Flask, monkeypatch: Any
) -> None:
    from omics.web import readiness

    monkeypatch.setattr(
        readiness,
        "readiness",
        lambda: {
            "status": "unavailable",
            "checks": {"redis": "ConnectionError: 10.0.0.7:6379 refused", "index": "ok"},
        },
    )
    monkeypatch.setattr(readiness, "_ready_cache", {})
    monkeypatch.setattr(readiness, "READY_CACHE_SECONDS", 0.0)
    answer = client.get("/health/ready")
    assert answer.status_code == 503
    assert answer.get_json()["error"]["details"] == {"redis": "failing", "index": "ok"}
    assert "10.0.0.7" not in answer.get_data(as_text=True)


def _token(app: Flask, claims: dict[str, Any]) -> str:
    """``claims`` signed with the app's active signing key, as the app's own tokens are."""
    import jwt

    key = state_of(app).security.keyring.active()
    return jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid})


def test_tokens_missing_a_claim_or_of_a_deleted_account_are_refused(
    client: FlaskClient, secure_app: Flask, accounts_db: Database
) -> None:
    import time

    from omics.security import accounts
    from omics.security.models import User

    now = int(time.time())
    full = {
        "sub": "alice",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "type": "access",
        "role": "researcher",
    }
    assert (
        client.get("/api/v2/auth/me", headers=bearer(_token(secure_app, full))).get_json()["subject"]
        == "alice"
    )
    for missing in ("exp", "jti", "type"):
        claims = {name: value for name, value in full.items() if name != missing}
        answer = client.get("/api/v2/auth/me", headers=bearer(_token(secure_app, claims)))
        assert answer.status_code == 401, missing
    with accounts_db.transaction() as session:
        accounts.create_user(session, "leaver", "a long leaver password", "researcher")
    token = _token(secure_app, {**full, "sub": "leaver", "jti": uuid.uuid4().hex})
    assert client.get("/api/v2/auth/me", headers=bearer(token)).status_code == 200
    with accounts_db.transaction() as session:
        session.delete(accounts.find_user(session, "leaver"))
    assert client.get("/api/v2/auth/me", headers=bearer(token)).status_code == 401
    assert User  # the account table is the one consulted


def test_an_api_key_cannot_change_roles_and_admin_reads_are_audited(
    client: FlaskClient, accounts_db: Database
) -> None:
    from tests.security.conftest import login

    admin = bearer(login(client, "root")["access_token"])
    key = client.post(
        "/api/v2/api-keys", json={"name": "ops", "scopes": ["admin:users"]}, headers=admin
    ).get_json()["key"]
    promoted = client.put(
        "/api/v2/admin/users/alice/role", json={"role": "admin"}, headers={"X-API-Key": key}
    )
    assert promoted.status_code == 403
    assert (
        client.get("/api/v2/auth/me", headers=bearer(login(client, "alice")["access_token"])).get_json()[
            "role"
        ]
        == "researcher"
    )
    assert client.get("/api/v2/admin/users", headers={"X-API-Key": key}).status_code == 200  # reading is fine
    assert audit_rows(accounts_db, "users_read")[-1]["actor"] == "root"
    unknown = client.put("/api/v2/admin/users/ghost/role", json={"role": "curator"}, headers=admin)
    assert unknown.status_code == 404
    failed = audit_rows(accounts_db, "role_change")[-1]
    assert failed["outcome"] == "failure" and failed["details"]["reason"] == "no_such_user"
    assert client.get("/api/v2/admin/cache/stats", headers=admin).status_code == 200
    assert audit_rows(accounts_db, "cache_stats_read")[-1]["actor"] == "root"


def test_a_failed_login_stores_only_a_masked_unknown_name(client: FlaskClient, accounts_db: Database) -> None:
    typed = "Tr0ub4dor&3-my-real-password"
    client.post("/api/v2/auth/login", json={"username": typed, "password": "whatever it was"})
    assert typed not in audit_text(accounts_db)
    assert audit_rows(accounts_db, "login")[-1]["target"] == f"Tr…({len(typed)} chars)"


def test_the_servers_own_errors_are_json_and_name_no_versions(
    secure_app: Flask, accounts_db: Database
) -> None:
    """414 and 431 are answered by the HTTP server before the app: they must be the API's JSON too."""
    import requests

    from tests.live_server import LiveServer

    server = LiveServer(secure_app)
    try:
        too_long = requests.get(f"{server.url}/api/v1/search?q={'a' * 70_000}", timeout=10)
        too_many = requests.get(
            f"{server.url}/health/live", headers={f"X-H{n}": "v" for n in range(120)}, timeout=10
        )
        for answer, status in ((too_long, 414), (too_many, 431)):
            assert answer.status_code == status and answer.headers["Content-Type"] == "application/json"
            assert answer.json()["error"]["message"] and "Werkzeug" not in answer.headers["Server"]
        assert (
            requests.get(f"{server.url}/health/live", timeout=10).headers["Server"] == "OmicsOracle"
        )  # once
    finally:
        server.stop()


def test_x_forwarded_for_counts_only_through_trusted_proxies(
    tmp_path: Any, redis_url: str, celery_app: Any
) -> None:
    from app import create_app
    from omics.config import SecuritySettings, Settings

    def address_seen(trusted: int) -> str:
        app = create_app(
            Settings(
                data_dir=tmp_path / str(trusted),
                redis_url=redis_url,
                secret_key="proxy-" + uuid.uuid4().hex,
                security=SecuritySettings(trusted_proxies=trusted, rate_limit_anonymous="1000/minute"),
            ),
            celery_app,
        )
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.0.0.1"  # the proxy
        client.post(
            "/api/v2/auth/login",
            json={"username": "nobody", "password": "x"},
            headers={"X-Forwarded-For": "203.0.113.5"},
        )
        return audit_rows(state_of(app).security.database, "login")[-1]["ip"]

    assert address_seen(0) == "10.0.0.1"  # a client cannot choose its address with a header
    assert address_seen(1) == "203.0.113.5"  # behind one proxy, its client is the caller
