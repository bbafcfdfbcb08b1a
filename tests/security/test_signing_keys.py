"""Signing keys: rotation logs nobody out; unknown-kid, retired-key and post-move HMAC tokens are refused."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

import jwt as pyjwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from joserfc.jwk import RSAKey
from sqlalchemy import update

from omics.security.database import Database
from omics.security.models import utcnow
from omics.security.oauth import keys
from omics.security.oauth.models import SigningKey
from omics.web.state import state_of
from tests.security.conftest import audit_rows, bearer, login
from tests.security.test_cli import PASSWORD, Operator


def _rotate(app: Flask) -> str:
    security = state_of(app).security
    with security.database.transaction() as session:
        kid, _ = keys.rotate(
            session, "RS256", keys.passphrase(security.settings), keys.verify_window(security.settings)
        )
    security.keyring.invalidate()
    return kid


def _status(client: FlaskClient, token: str) -> int:
    return client.get("/api/v2/auth/me", headers=bearer(token)).status_code


def _kid(token: str) -> str:
    return str(pyjwt.get_unverified_header(token)["kid"])


def test_rotation_keeps_earlier_tokens_working(secure_app: Flask, client: FlaskClient) -> None:
    before = login(client, "alice")
    new_kid = _rotate(secure_app)
    after = login(client, "alice")
    assert _kid(after["access_token"]) == new_kid != _kid(before["access_token"])
    assert _status(client, before["access_token"]) == 200 and _status(client, after["access_token"]) == 200
    # The refresh token signed by the retired key still refreshes; the new pair uses the new key.
    refreshed = client.post("/api/v2/auth/refresh", headers=bearer(before["refresh_token"])).get_json()
    assert _kid(refreshed["access_token"]) == new_kid
    published = {key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert {_kid(before["access_token"]), new_kid} <= published


def test_unknown_kid_is_refused(secure_app: Flask, client: FlaskClient) -> None:
    token = login(client, "alice")["access_token"]
    genuine, genuine_kid = pyjwt.decode(token, options={"verify_signature": False}), _kid(token)
    stranger = RSAKey.generate_key(2048)
    forged = pyjwt.encode(
        {**genuine, "role": "admin"}, stranger.private_key, algorithm="RS256", headers={"kid": "not-ours"}
    )
    assert _status(client, forged) == 401
    # The right kid with someone else's key fails the signature check.
    impostor = pyjwt.encode(genuine, stranger.private_key, algorithm="RS256", headers={"kid": genuine_kid})
    assert _status(client, impostor) == 401


def test_retired_key_stops_verifying_after_its_tokens_lifetime(
    secure_app: Flask, client: FlaskClient
) -> None:
    old = login(client, "bob")["access_token"]
    _rotate(secure_app)
    assert _status(client, old) == 200
    security = state_of(secure_app).security
    with security.database.transaction() as session:
        session.execute(
            update(SigningKey)
            .where(SigningKey.kid == _kid(old))
            .values(verify_until=utcnow() - timedelta(seconds=1))
        )
    security.keyring.invalidate()
    assert _status(client, old) == 401
    assert _kid(old) not in {key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]}


def _hmac_token(app: Flask, issued_at: float) -> str:
    claims = {
        "sub": "alice",
        "role": "researcher",
        "type": "access",
        "fresh": False,
        "jti": str(uuid.uuid4()),
        "iat": int(issued_at),
        "nbf": int(issued_at),
        "exp": int(time.time()) + 600,
    }
    return pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")


def test_hmac_tokens_from_before_the_move_verify_and_later_ones_do_not(
    secure_app: Flask, client: FlaskClient
) -> None:
    window = state_of(secure_app).security.keyring.legacy()
    assert window is not None
    moved_at = keys.unix_seconds(window.moved_at)
    assert _status(client, _hmac_token(secure_app, moved_at - 60)) == 200
    assert _status(client, _hmac_token(secure_app, moved_at + 5)) == 401
    assert not any(key.get("kty") == "oct" for key in client.get("/.well-known/jwks.json").get_json()["keys"])


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Operator:
    operator = Operator(monkeypatch, capsys, tmp_path)
    assert operator.run("create-user", "eli", "--role", "researcher", OMICS_PASSWORD=PASSWORD)[0] == 0
    return operator


def test_commands_create_a_client_and_rotate_keys(operator: Operator, tmp_path: Path) -> None:
    code, output = operator.run(
        "create-client", "gateway", "--grants", "client_credentials", "--scopes", "search", "--owner", "eli"
    )
    assert code == 0, output
    lines = dict(line.split(": ", 1) for line in output.strip().splitlines())
    assert lines["client_id"].startswith("occ_") and lines["client_secret"].startswith("ocs_")
    code, output = operator.run(
        "create-client", "docs", "--grants", "password,refresh_token", "--scopes", "search", "--public"
    )
    assert code == 0 and "client_secret" not in output
    code, output = operator.run(
        "create-client", "bad", "--grants", "client_credentials", "--scopes", "search", "--public"
    )
    assert code == 1 and "public client" in output
    first = operator.run("rotate-keys")
    second = operator.run("rotate-keys")
    assert first[0] == 0 and second[0] == 0
    first_kid = first[1].splitlines()[0].removeprefix("kid: ")
    assert f"retired: {first_kid}" in second[1]
    database = Database(f"sqlite:///{tmp_path / 'omics.sqlite3'}")
    try:
        assert [row["target"] for row in audit_rows(database, "key_rotate")][-1] == second[1].splitlines()[0][
            5:
        ]
        assert len(audit_rows(database, "client_create")) == 2
    finally:
        database.dispose()
