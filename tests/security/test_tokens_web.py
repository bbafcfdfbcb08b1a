"""Login, refresh rotation, logout and the token attacks, over the real app and Redis."""

from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token, decode_token
from sqlalchemy import select

from omics.security.database import Database
from tests.security.conftest import PASSWORD, audit_rows, audit_text, bearer, login

JSON = {"Content-Type": "application/json"}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _me(client: FlaskClient, token: str) -> tuple[int, dict]:
    response = client.get("/api/v2/auth/me", headers=bearer(token))
    return response.status_code, response.get_json()


def test_login_returns_contract_pair_and_identifies(client: FlaskClient) -> None:
    tokens = login(client, "alice")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 15 * 60
    status, me = _me(client, tokens["access_token"])
    assert status == 200 and me["subject"] == "alice" and me["role"] == "researcher"


def test_wrong_password_is_401_and_audited_without_the_password(
    client: FlaskClient, accounts_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "definitely-wrong-password-xyz"
    for username in ("alice", "nobody-here"):
        response = client.post("/api/v2/auth/login", json={"username": username, "password": wrong})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_credentials"
    failures = [row for row in audit_rows(accounts_db, "login") if row["outcome"] == "failure"]
    assert {"alice", "no…(11 chars)"} <= {row["target"] for row in failures}  # unknown names masked
    assert failures[-1]["ip"].startswith("198.51.100.")
    assert wrong not in audit_text(accounts_db) and PASSWORD not in audit_text(accounts_db)
    assert wrong not in caplog.text


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ("not json", {"Content-Type": "text/plain"}, 415),
        ("{broken", JSON, 400),
        (json.dumps({"username": "alice"}), JSON, 422),
        (json.dumps({"username": "alice", "password": "x", "admin": True}), JSON, 422),
        (json.dumps({"username": ["alice"], "password": 5}), JSON, 422),
        (json.dumps({"username": "alice", "password": "x" * 40000}), JSON, 413),
    ],
)
def test_malformed_and_oversized_login_bodies(
    client: FlaskClient, body: str, headers: dict, status: int
) -> None:
    response = client.post("/api/v2/auth/login", data=body, headers=headers)
    assert response.status_code == status
    assert set(response.get_json()["error"]) == {"code", "message", "details"}


def test_tampered_signature_rejected(client: FlaskClient, accounts_db: Database) -> None:
    token = login(client, "alice")["access_token"]
    header, payload, signature = token.split(".")
    forged_payload = _b64({**json.loads(base64.urlsafe_b64decode(payload + "==")), "role": "admin"})
    for forged in (f"{header}.{forged_payload}.{signature}", f"{header}.{payload}.{signature[::-1]}"):
        status, body = _me(client, forged)
        assert status == 401 and body["error"]["code"] == "invalid_token"
        assert client.get("/api/v2/admin/audit", headers=bearer(forged)).status_code == 401
    rejected = audit_rows(accounts_db, "token_rejected")
    assert rejected and rejected[-1]["details"]["reason"] == "invalid_token"
    assert token not in audit_text(accounts_db) and signature not in audit_text(accounts_db)


def test_alg_none_rejected(client: FlaskClient) -> None:
    token = login(client, "alice")["access_token"]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({**claims, 'role': 'admin'})}."
    status, body = _me(client, unsigned)
    assert status == 401 and body["error"]["code"] == "invalid_token"


def test_garbage_and_non_bearer_authorization_rejected(client: FlaskClient) -> None:
    for value in ("Bearer not.a.jwt", "Basic YWxpY2U6cGFzcw==", "Bearer ", "Token abc"):
        response = client.get("/api/v2/auth/me", headers={"Authorization": value})
        assert response.status_code == 401, value


def test_expired_access_token_rejected(secure_app: Flask, client: FlaskClient) -> None:
    with secure_app.app_context():
        expired = create_access_token(
            "alice", expires_delta=timedelta(seconds=-5), additional_claims={"role": "researcher"}
        )
    status, body = _me(client, expired)
    assert status == 401 and body["error"]["code"] == "token_expired"


def test_refresh_token_is_not_an_access_token(client: FlaskClient) -> None:
    tokens = login(client, "alice")
    status, body = _me(client, tokens["refresh_token"])
    assert status == 401 and body["error"]["code"] == "wrong_token_type"
    response = client.post("/api/v2/auth/refresh", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "wrong_token_type"


def test_refresh_rotates_and_old_refresh_token_stops_working(client: FlaskClient) -> None:
    first = login(client, "alice")
    response = client.post("/api/v2/auth/refresh", headers=bearer(first["refresh_token"]))
    assert response.status_code == 200
    second = response.get_json()
    assert second["refresh_token"] != first["refresh_token"] and second["token_type"] == "Bearer"
    assert _me(client, second["access_token"])[0] == 200
    third = client.post("/api/v2/auth/refresh", headers=bearer(second["refresh_token"]))
    assert third.status_code == 200


def test_replayed_refresh_token_revokes_the_family(
    client: FlaskClient, accounts_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stolen = login(client, "bob")
    rotated = client.post("/api/v2/auth/refresh", headers=bearer(stolen["refresh_token"])).get_json()
    replay = client.post("/api/v2/auth/refresh", headers=bearer(stolen["refresh_token"]))
    assert replay.status_code == 401 and replay.get_json()["error"]["code"] == "refresh_token_reused"
    # The whole family is dead: the legitimate newest pair too.
    assert client.post("/api/v2/auth/refresh", headers=bearer(rotated["refresh_token"])).status_code == 401
    assert _me(client, rotated["access_token"])[0] == 401
    assert _me(client, stolen["access_token"])[0] == 401
    # Another login of the same user is unaffected.
    assert _me(client, login(client, "bob")["access_token"])[0] == 200
    reuse = audit_rows(accounts_db, "refresh_reuse")
    assert reuse and reuse[-1]["actor"] == "bob" and reuse[-1]["outcome"] == "denied"
    secrets = [pair[kind] for pair in (stolen, rotated) for kind in ("access_token", "refresh_token")]
    for text in (audit_text(accounts_db), caplog.text):
        assert all(secret not in text for secret in secrets)


def test_logout_revokes_presented_tokens(client: FlaskClient, accounts_db: Database) -> None:
    tokens = login(client, "carol")
    response = client.post(
        "/api/v2/auth/logout",
        headers=bearer(tokens["access_token"]),
        json={"refresh_token": tokens["refresh_token"]},
    )
    assert response.status_code == 200
    assert _me(client, tokens["access_token"])[0] == 401
    assert client.post("/api/v2/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    assert audit_rows(accounts_db, "logout")[-1]["actor"] == "carol"


def test_logout_with_access_token_alone_ends_the_session(client: FlaskClient) -> None:
    tokens = login(client, "carol")
    assert client.post("/api/v2/auth/logout", headers=bearer(tokens["access_token"])).status_code == 200
    assert client.post("/api/v2/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401


def test_logout_without_tokens_is_401(client: FlaskClient) -> None:
    assert client.post("/api/v2/auth/logout").status_code == 401


def test_cookie_login_needs_csrf_for_writes(client: FlaskClient) -> None:
    response = client.post(
        "/api/v2/auth/login", json={"username": "alice", "password": PASSWORD, "cookie": True}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert "access_token" not in body and body["csrf_token"]
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("access_token_cookie=") and "HttpOnly" in c for c in cookies)
    assert client.get("/api/v2/auth/me").get_json()["subject"] == "alice"
    no_csrf = client.post("/api/v2/api-keys", json={"name": "page"})
    assert no_csrf.status_code == 401 and no_csrf.get_json()["error"]["code"] == "csrf_failed"
    with_csrf = client.post(
        "/api/v2/api-keys", json={"name": "page"}, headers={"X-CSRF-TOKEN": body["csrf_token"]}
    )
    assert with_csrf.status_code == 201


def test_cookie_logout_after_the_access_token_expired_ends_the_session(
    client: FlaskClient, secure_app: Flask
) -> None:
    login_answer = client.post(
        "/api/v2/auth/login", json={"username": "alice", "password": PASSWORD, "cookie": True}
    )
    assert login_answer.status_code == 200
    refresh_cookie = client.get_cookie("refresh_token_cookie", path="/api/v2/auth/")
    refresh_csrf = client.get_cookie("csrf_refresh_token")
    assert refresh_cookie is not None and refresh_csrf is not None
    with secure_app.app_context():
        live = decode_token(client.get_cookie("access_token_cookie").value)
        expired = create_access_token(
            "alice",
            expires_delta=timedelta(seconds=-5),
            additional_claims={"role": "researcher", "fam": live["fam"]},
        )
        expired_csrf = decode_token(expired, allow_expired=True)["csrf"]
    client.set_cookie("access_token_cookie", expired)  # the tab sat idle past the access lifetime
    assert client.get("/api/v2/auth/me").status_code == 401
    answer = client.post("/api/v2/auth/logout", headers={"X-CSRF-TOKEN": expired_csrf})
    assert answer.status_code == 200
    cleared = answer.headers.getlist("Set-Cookie")
    assert any(c.startswith("refresh_token_cookie=;") for c in cleared)
    assert any(c.startswith("access_token_cookie=;") for c in cleared)
    # The 14-day refresh cookie, replayed, no longer opens a session.
    client.set_cookie("refresh_token_cookie", refresh_cookie.value, path="/api/v2/auth/")
    client.set_cookie("csrf_refresh_token", refresh_csrf.value)
    replay = client.post("/api/v2/auth/refresh", headers={"X-CSRF-TOKEN": refresh_csrf.value})
    assert replay.status_code == 401


def test_cookie_logout_still_needs_the_csrf_header_but_clears_the_cookies(client: FlaskClient) -> None:
    client.post("/api/v2/auth/login", json={"username": "bob", "password": PASSWORD, "cookie": True})
    refused = client.post("/api/v2/auth/logout")
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "csrf_failed"
    assert any(c.startswith("access_token_cookie=;") for c in refused.headers.getlist("Set-Cookie"))


def test_two_tabs_refreshing_at_once_keep_the_session(
    client: FlaskClient, secure_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within OMICS_REFRESH_REUSE_GRACE_SECONDS the rotated token gets the same new pair; after, reuse."""
    from omics.security.models import RefreshFamily
    from omics.web.state import state_of

    monkeypatch.setattr(state_of(secure_app).settings.security, "refresh_reuse_grace_seconds", 10)
    pair = login(client, "carol")
    first_tab = client.post("/api/v2/auth/refresh", headers=bearer(pair["refresh_token"]))
    second_tab = client.post("/api/v2/auth/refresh", headers=bearer(pair["refresh_token"]))
    assert first_tab.status_code == second_tab.status_code == 200
    assert first_tab.get_json() == second_tab.get_json()  # the same new pair, byte for byte
    fresh = first_tab.get_json()
    assert _me(client, fresh["access_token"])[0] == 200
    with secure_app.app_context():
        current_jti = decode_token(fresh["refresh_token"])["jti"]
    with state_of(secure_app).security.database.transaction() as session:
        family = session.scalar(select(RefreshFamily).where(RefreshFamily.current_jti == current_jti))
        family.rotated_at -= timedelta(seconds=11)
    late = client.post("/api/v2/auth/refresh", headers=bearer(pair["refresh_token"]))
    assert late.status_code == 401 and late.get_json()["error"]["code"] == "refresh_token_reused"
    assert _me(client, fresh["access_token"])[0] == 401  # the whole session ended
