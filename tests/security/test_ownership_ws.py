"""Ownership of searches (others get 404) and WebSocket upgrade authentication, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
import websocket
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token

from omics.search.request import SearchRequest
from omics.web.state import state_of
from tests.live_server import LiveServer
from tests.security.conftest import PASSWORD, bearer, login


@pytest.fixture(scope="module")
def server(secure_app: Flask, accounts_db: object) -> Iterator[LiveServer]:
    with LiveServer(secure_app) as live:
        yield live


def _stored_search(app: Flask, owner: str | None) -> str:
    return state_of(app).services.store.create(SearchRequest(query="asthma"), owner)


def _connect(server: LiveServer, search_id: str, **options: object) -> websocket.WebSocket:
    return websocket.create_connection(
        f"{server.ws_url}/api/v2/searches/{search_id}/events", timeout=5, **options
    )


def _handshake_status(server: LiveServer, search_id: str, **options: object) -> int:
    try:
        _connect(server, search_id, **options).close()
    except websocket.WebSocketBadStatusException as refused:
        return refused.status_code
    return 101


def test_search_owner_sees_it_others_get_404(secure_app: Flask, client: FlaskClient) -> None:
    search_id = _stored_search(secure_app, "alice")
    alice, bob = login(client, "alice")["access_token"], login(client, "bob")["access_token"]
    assert client.get(f"/api/v2/searches/{search_id}", headers=bearer(alice)).status_code == 200
    assert client.get(f"/api/v2/searches/{search_id}", headers=bearer(bob)).status_code == 404
    assert client.get(f"/api/v2/searches/{search_id}").status_code == 404


def test_anonymous_search_reachable_by_its_id(secure_app: Flask, client: FlaskClient) -> None:
    search_id = _stored_search(secure_app, None)
    assert len(search_id) >= 32
    assert client.get(f"/api/v2/searches/{search_id}").status_code == 200
    assert client.get(f"/api/v2/searches/{'0' * 32}").status_code == 404


def test_search_started_with_a_key_belongs_to_the_keys_owner(
    client: FlaskClient, celery_worker: object
) -> None:
    alice = login(client, "alice")["access_token"]
    key = client.post("/api/v2/api-keys", json={"name": "k"}, headers=bearer(alice)).get_json()["key"]
    created = client.post(
        "/api/v2/searches", json={"query": "rheumatoid arthritis synovium"}, headers={"X-API-Key": key}
    )
    assert created.status_code in (200, 202)
    search_id = created.get_json()["id"]
    assert client.get(f"/api/v2/searches/{search_id}", headers=bearer(alice)).status_code == 200
    bob = login(client, "bob")["access_token"]
    assert client.get(f"/api/v2/searches/{search_id}", headers=bearer(bob)).status_code == 404


def test_websocket_without_auth_cannot_watch_a_users_search(secure_app: Flask, server: LiveServer) -> None:
    search_id = _stored_search(secure_app, "alice")
    assert _handshake_status(server, search_id) == 404
    assert _handshake_status(server, search_id, header=["Authorization: Bearer forged.token.value"]) == 401


def test_websocket_with_bearer_header(secure_app: Flask, server: LiveServer) -> None:
    search_id = _stored_search(secure_app, "alice")
    token = requests.post(
        f"{server.url}/api/v2/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=10
    ).json()["access_token"]
    assert _handshake_status(server, search_id, header=[f"Authorization: Bearer {token}"]) == 101


def test_websocket_with_bearer_subprotocol(secure_app: Flask, server: LiveServer) -> None:
    search_id = _stored_search(secure_app, "alice")
    session = requests.post(
        f"{server.url}/api/v2/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=10
    ).json()
    ws = _connect(server, search_id, subprotocols=["bearer", session["access_token"]])
    assert ws.getsubprotocol() == "bearer"
    ws.close()
    assert _handshake_status(server, search_id, subprotocols=["bearer", session["refresh_token"]]) == 401


def test_websocket_cookie_needs_an_allowed_origin(secure_app: Flask, server: LiveServer) -> None:
    search_id = _stored_search(secure_app, "alice")
    web = requests.Session()
    assert web.post(
        f"{server.url}/api/v2/auth/login",
        json={"username": "alice", "password": PASSWORD, "cookie": True},
        timeout=10,
    ).ok
    cookie = "; ".join(f"{name}={value}" for name, value in web.cookies.items())
    assert _handshake_status(server, search_id, cookie=cookie, origin="https://evil.example") == 401
    assert _handshake_status(server, search_id, cookie=cookie, origin=server.url) == 101


def test_websocket_closes_when_its_token_expires(secure_app: Flask, server: LiveServer) -> None:
    search_id = _stored_search(secure_app, "alice")
    with secure_app.app_context():
        short = create_access_token(
            "alice", expires_delta=timedelta(seconds=2), additional_claims={"role": "researcher"}
        )
    ws = _connect(server, search_id, header=[f"Authorization: Bearer {short}"])
    started = time.monotonic()
    ws.settimeout(8)
    opcode, data = ws.recv_data(control_frame=True)
    while opcode != websocket.ABNF.OPCODE_CLOSE:
        opcode, data = ws.recv_data(control_frame=True)
    assert int.from_bytes(data[:2], "big") == 1008
    assert time.monotonic() - started < 6
    ws.close()
