"""The OAuth2 server as standard clients use it: Authlib's requests client over real HTTP.

Each grant obtains, refreshes and revokes tokens through ``/oauth/token``; a client-credentials
token works on the API within its scopes; revocation and introspection follow RFC 7009/7662;
the metadata and the JWKS let a service verify a token with no shared secret.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jwt as pyjwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask

from omics.config import SecuritySettings, Settings
from omics.security.database import Database
from omics.security.models import RefreshFamily
from omics.security.oauth import clients
from tests.live_server import LiveServer
from tests.security.conftest import (
    PASSWORD,
    app_in_own_schema,
    audit_rows,
    audit_text,
    bearer,
    create_accounts,
)


@pytest.fixture(scope="module")
def oauth_app(tmp_path_factory: pytest.TempPathFactory, redis_url: str, celery_app: Any) -> Iterator[Flask]:
    """An app of its own: every call here comes from 127.0.0.1, so the anonymous limit is wide."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("oauth-data"),
        redis_url=redis_url,
        secret_key="oauth-tests-" + uuid.uuid4().hex,
        security=SecuritySettings(
            database_url=os.environ.get("DATABASE_URL") or None,
            rate_limit_anonymous="1000/minute",
            rate_limit_user="1000/minute",
        ),
    )
    with app_in_own_schema(settings, celery_app) as app:
        yield app


@pytest.fixture(scope="module")
def accounts_db(oauth_app: Flask) -> Database:
    return create_accounts(oauth_app)


@pytest.fixture(scope="module")
def server(oauth_app: Flask, accounts_db: Database) -> Iterator[LiveServer]:
    with LiveServer(oauth_app) as live:
        yield live


def register(
    database: Database, grants: str, scopes: str, *, public: bool = False, owner: str | None = None
) -> Any:
    with database.transaction() as session:
        new = clients.register(
            session, "test client", grants.split(), scopes.split(), public=public, owner=owner
        )
        return new.record.client_id, new.secret


def session_for(server: LiveServer, client: tuple[str, str | None], **kwargs: Any) -> OAuth2Session:
    client_id, secret = client
    method = "none" if secret is None else "client_secret_basic"
    return OAuth2Session(
        client_id,
        secret,
        token_endpoint=f"{server.url}/oauth/token",
        token_endpoint_auth_method=method,
        revocation_endpoint_auth_method=method,
        **kwargs,
    )


def me(server: LiveServer, access_token: str) -> requests.Response:
    return requests.get(f"{server.url}/api/v2/auth/me", headers=bearer(access_token), timeout=10)


def test_metadata_and_jwks_let_a_service_verify_tokens_without_a_secret(
    server: LiveServer, accounts_db: Database
) -> None:
    metadata = requests.get(f"{server.url}/.well-known/oauth-authorization-server", timeout=10).json()
    assert metadata["issuer"] == server.url
    assert metadata["token_endpoint"] == f"{server.url}/oauth/token"
    assert metadata["revocation_endpoint"] == f"{server.url}/oauth/revoke"
    assert metadata["introspection_endpoint"] == f"{server.url}/oauth/introspect"
    assert set(metadata["grant_types_supported"]) == {"password", "refresh_token", "client_credentials"}
    client = session_for(server, register(accounts_db, "password", "search", public=True))
    token = client.fetch_token(username="alice", password=PASSWORD)
    header = pyjwt.get_unverified_header(token["access_token"])
    assert header["alg"] in ("RS256", "EdDSA") and header["kid"]
    # A service that knows only the JWKS URL verifies the token locally.
    jwks = pyjwt.PyJWKClient(metadata["jwks_uri"])
    signing_key = jwks.get_signing_key_from_jwt(token["access_token"])
    claims = pyjwt.decode(token["access_token"], signing_key.key, algorithms=[header["alg"]])
    assert claims["sub"] == "alice" and claims["scope"] == "search" and claims["iss"] == server.url
    assert all(
        "d" not in key and "p" not in key for key in jwks.get_jwk_set().keys for key in [key._jwk_data]
    )


def test_password_grant_obtains_refreshes_and_revokes(server: LiveServer, accounts_db: Database) -> None:
    client = session_for(
        server, register(accounts_db, "password refresh_token", "search datasets:read", public=True)
    )
    first = client.fetch_token(username="alice", password=PASSWORD)
    assert first["token_type"] == "Bearer" and first["expires_in"] == 15 * 60
    assert set(first["scope"].split()) == {"search", "datasets:read"}
    identity = me(server, first["access_token"]).json()
    assert identity["subject"] == "alice" and set(identity["permissions"]) == {"search", "datasets:read"}
    second = client.refresh_token(f"{server.url}/oauth/token", refresh_token=first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert me(server, second["access_token"]).status_code == 200
    client.revoke_token(
        f"{server.url}/oauth/revoke", second["refresh_token"], token_type_hint="refresh_token"
    )
    # The refresh token's whole session is gone, its access tokens with it.
    assert me(server, second["access_token"]).status_code == 401
    gone = requests.post(
        f"{server.url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": second["refresh_token"],
            "client_id": client.client_id,
        },
        timeout=10,
    )
    assert gone.status_code == 400 and gone.json()["error"] == "invalid_grant"
    assert audit_rows(accounts_db, "token_revoke")[-1]["details"]["subject"] == "alice"
    assert second["refresh_token"] not in audit_text(accounts_db)


def _replay(server: LiveServer, client: OAuth2Session, refresh_token: str) -> requests.Response:
    return requests.post(
        f"{server.url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client.client_id},
        timeout=10,
    )


def test_replayed_refresh_token_gets_the_same_pair_within_the_grace_window_then_revokes(
    server: LiveServer, accounts_db: Database
) -> None:
    """The refresh_token grant shares /api/v2/auth/refresh's rule (omics.web.sessions.refresh)."""
    client = session_for(server, register(accounts_db, "password refresh_token", "search", public=True))
    stolen = client.fetch_token(username="bob", password=PASSWORD)
    rotated = client.refresh_token(f"{server.url}/oauth/token", refresh_token=stolen["refresh_token"])
    second_tab = _replay(server, client, stolen["refresh_token"])
    assert second_tab.status_code == 200
    assert (second_tab.json()["access_token"], second_tab.json()["refresh_token"]) == (
        rotated["access_token"],
        rotated["refresh_token"],
    )
    family = pyjwt.decode(rotated["refresh_token"], options={"verify_signature": False})["fam"]
    with accounts_db.transaction() as session:
        record = session.get(RefreshFamily, family)
        assert record is not None and record.rotated_at is not None
        record.rotated_at -= timedelta(seconds=11)  # the grace window (10 s by default) is over
    replay = _replay(server, client, stolen["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert me(server, rotated["access_token"]).status_code == 401
    assert audit_rows(accounts_db, "refresh_reuse")[-1]["actor"] == "bob"


def test_client_credentials_token_works_within_its_scopes(server: LiveServer, accounts_db: Database) -> None:
    reader = session_for(
        server, register(accounts_db, "client_credentials", "search admin:cache", owner="root")
    )
    token = reader.fetch_token(grant_type="client_credentials")
    assert "refresh_token" not in token
    headers = bearer(token["access_token"])
    assert (
        requests.get(f"{server.url}/api/v2/admin/cache/stats", headers=headers, timeout=10).status_code == 200
    )
    denied = requests.get(f"{server.url}/api/v2/admin/audit", headers=headers, timeout=10)
    assert denied.status_code == 403
    narrow = reader.fetch_token(grant_type="client_credentials", scope="search")
    assert (
        requests.get(
            f"{server.url}/api/v2/admin/cache/stats", headers=bearer(narrow["access_token"]), timeout=10
        ).status_code
        == 403
    )
    grants = audit_rows(accounts_db, "oauth_token")
    assert grants[-1]["details"]["grant_type"] == "client_credentials" and grants[-1]["outcome"] == "success"


@pytest.mark.parametrize(
    ("data", "auth", "status", "error"),
    [
        (
            {"grant_type": "password", "username": "alice", "password": "wrong password!"},
            "public",
            400,
            "invalid_grant",
        ),
        ({"grant_type": "authorization_code", "code": "x"}, "public", 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, "public", 401, "invalid_client"),
        (
            {"grant_type": "password", "username": "alice", "password": PASSWORD, "scope": "admin:audit"},
            "public",
            400,
            "invalid_scope",
        ),
        ({"grant_type": "client_credentials"}, "wrong secret", 401, "invalid_client"),
        (
            {"grant_type": "password", "username": "alice", "password": PASSWORD},
            "confidential",
            400,
            "unauthorized_client",
        ),
        ({"grant_type": "refresh_token"}, "public", 400, "invalid_request"),
    ],
)
def test_rfc6749_errors(
    server: LiveServer, accounts_db: Database, data: dict[str, str], auth: str, status: int, error: str
) -> None:
    public_id, _ = register(accounts_db, "password refresh_token", "search", public=True)
    confidential_id, secret = register(accounts_db, "client_credentials", "search", owner="alice")
    form, basic = dict(data), None
    if auth == "public":
        form["client_id"] = public_id
    else:
        basic = (confidential_id, secret if auth == "confidential" else "ocs_wrong")
    response = requests.post(f"{server.url}/oauth/token", data=form, auth=basic, timeout=10)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert audit_rows(accounts_db, "oauth_token")[-1]["outcome"] == "failure"


def test_contract_and_oauth_refresh_tokens_stay_with_their_issuer(
    server: LiveServer, accounts_db: Database
) -> None:
    public_id, _ = register(accounts_db, "password refresh_token", "search", public=True)
    contract = requests.post(
        f"{server.url}/api/v2/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=10
    ).json()
    refused = requests.post(
        f"{server.url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": contract["refresh_token"],
            "client_id": public_id,
        },
        timeout=10,
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    oauth = session_for(server, (public_id, None)).fetch_token(username="alice", password=PASSWORD)
    other = requests.post(
        f"{server.url}/api/v2/auth/refresh", headers=bearer(oauth["refresh_token"]), timeout=10
    )
    assert other.status_code == 401 and other.json()["error"]["code"] == "wrong_client"
    # Neither attempt spent the sessions: each refreshes where it was issued.
    assert (
        requests.post(
            f"{server.url}/api/v2/auth/refresh", headers=bearer(contract["refresh_token"]), timeout=10
        ).status_code
        == 200
    )


def _introspect(server: LiveServer, client: tuple[str, str | None], token: str) -> dict[str, Any]:
    response = requests.post(f"{server.url}/oauth/introspect", data={"token": token}, auth=client, timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_introspection_answers_owners_and_resource_servers_only(
    server: LiveServer, accounts_db: Database
) -> None:
    service = register(accounts_db, "client_credentials", "search", owner="carol")
    gateway = register(accounts_db, "client_credentials", "search token:introspect", owner="carol")
    stranger = register(accounts_db, "client_credentials", "search", owner="bob")
    token = session_for(server, service).fetch_token(grant_type="client_credentials")["access_token"]
    own = _introspect(server, service, token)
    assert own["active"] is True and own["client_id"] == service[0] and own["username"] == "carol"
    assert own["token_type"] == "access_token" and own["scope"] == "search"
    assert _introspect(server, gateway, token)["active"] is True
    assert _introspect(server, stranger, token) == {"active": False}
    assert _introspect(server, service, "not-a-token") == {"active": False}
    anonymous = requests.post(f"{server.url}/oauth/introspect", data={"token": token}, timeout=10)
    assert anonymous.status_code == 401
    revoked = requests.post(f"{server.url}/oauth/revoke", data={"token": token}, auth=service, timeout=10)
    assert revoked.status_code == 200
    assert _introspect(server, gateway, token) == {"active": False}
    assert me(server, token).status_code == 401


def test_admins_manage_clients_and_secrets_are_shown_once(server: LiveServer, accounts_db: Database) -> None:
    admin = requests.post(
        f"{server.url}/api/v2/auth/login", json={"username": "root", "password": PASSWORD}, timeout=10
    ).json()["access_token"]
    url = f"{server.url}/api/v2/admin/oauth/clients"
    body = {"name": "gateway", "grants": ["client_credentials"], "scopes": ["search"], "owner": "carol"}
    created = requests.post(url, json=body, headers=bearer(admin), timeout=10)
    assert created.status_code == 201
    client = created.json()
    assert client["client_secret"].startswith("ocs_") and client["owner"] == "carol"
    listed = requests.get(url, headers=bearer(admin), timeout=10).json()["clients"]
    assert any(c["client_id"] == client["client_id"] for c in listed)
    assert all("client_secret" not in c for c in listed)
    credentials = (client["client_id"], client["client_secret"])
    assert (
        requests.post(
            f"{server.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=credentials,
            timeout=10,
        ).status_code
        == 200
    )
    assert (
        requests.delete(f"{url}/{client['client_id']}", headers=bearer(admin), timeout=10).status_code == 200
    )
    after = requests.post(
        f"{server.url}/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials, timeout=10
    )
    assert after.status_code == 401 and after.json()["error"] == "invalid_client"
    too_much = {**body, "scopes": ["admin:audit"]}
    refused = requests.post(url, json=too_much, headers=bearer(admin), timeout=10)
    assert refused.status_code == 422
    researcher = requests.post(
        f"{server.url}/api/v2/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=10
    ).json()["access_token"]
    assert requests.post(url, json=body, headers=bearer(researcher), timeout=10).status_code == 403
    actions = [row["outcome"] for row in audit_rows(accounts_db, "client_create")]
    assert "success" in actions and "failure" in actions
    assert audit_rows(accounts_db, "client_delete")[-1]["target"] == client["client_id"]
    assert client["client_secret"] not in audit_text(accounts_db)


def test_password_guessing_at_the_token_endpoint_is_rate_limited(
    secure_app: Flask, accounts_db: Database
) -> None:
    client = secure_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    statuses = [
        client.post(
            "/oauth/token",
            data={"grant_type": "password", "username": "alice", "password": f"guess {n}", "client_id": "x"},
        ).status_code
        for n in range(7)
    ]
    assert statuses[:5] == [400] * 5 and statuses[-1] == 429  # unknown client: invalid_client, then limited


def test_openapi_points_swagger_authorize_at_the_token_endpoint(
    server: LiveServer, accounts_db: Database
) -> None:
    document = requests.get(f"{server.url}/api/v2/openapi.json", timeout=10).json()
    flows = document["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["password"]["tokenUrl"] == flows["clientCredentials"]["tokenUrl"] == "/oauth/token"
    # What Swagger UI sends for the password flow with a public client: form fields, same origin.
    client_id, _ = register(accounts_db, "password", "search", public=True)
    token = requests.post(
        f"{server.url}{flows['password']['tokenUrl']}",
        data={
            "grant_type": "password",
            "username": "carol",
            "password": PASSWORD,
            "scope": "search",
            "client_id": client_id,
        },
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert token.status_code == 200 and token.headers["Cache-Control"] == "no-store"
    assert me(server, token.json()["access_token"]).json()["subject"] == "carol"
