"""Progress WebSockets under attack (issue #10, item 6), over a real server and real sockets.

The app here checks credentials every second (its ping interval) and allows three sockets per
address, so revocation and the quota show within a test's patience.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import websocket
from flask import Flask

from omics.config import SecuritySettings, ServiceSettings, Settings
from omics.search.request import SearchRequest
from omics.security import accounts
from omics.web.socket_quota import SocketQuota
from omics.web.state import state_of
from tests.live_server import LiveServer

PER_ADDRESS = 3
PASSWORD = "a long websocket password 7"


@pytest.fixture(scope="module")
def ws_app(tmp_path_factory: pytest.TempPathFactory, redis_url: str, celery_app: Any) -> Flask:
    from app import create_app

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("websocket-data"),
        redis_url=redis_url,
        secret_key="websocket-tests-" + uuid.uuid4().hex,
        service=ServiceSettings(ws_ping_interval=1),
        security=SecuritySettings(
            rate_limit_anonymous="1000/minute", rate_limit_user="1000/minute", ws_max_per_ip=PER_ADDRESS
        ),
    )
    app = create_app(settings, celery_app)
    with state_of(app).security.database.transaction() as session:
        accounts.create_user(session, "wsuser", PASSWORD, "researcher")
    return app


@pytest.fixture(scope="module")
def server(ws_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(ws_app) as live:
        yield live


def _running_search(app: Flask, owner: str | None) -> str:
    """A search that stays queued (nothing runs it): its socket would stay open forever."""
    return state_of(app).services.lifecycle.start(SearchRequest(query="asthma"), owner)


def _connect(server: LiveServer, search_id: str, query: str = "", **options: Any) -> websocket.WebSocket:
    return websocket.create_connection(
        f"{server.ws_url}/api/v2/searches/{search_id}/events{query}", timeout=10, **options
    )


def _frames_until_close(ws: websocket.WebSocket, patience: float = 6) -> tuple[list[str], int, float]:
    """Text frames received, the close code and the seconds it took (fails the test on timeout)."""
    started, texts = time.monotonic(), []
    ws.settimeout(patience)
    while True:
        # Pings keep an open socket's reads from timing out: the patience bounds the whole wait.
        assert time.monotonic() - started < patience, f"still open after {patience} s"
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return texts, int.from_bytes(data[:2], "big"), time.monotonic() - started
        if opcode == websocket.ABNF.OPCODE_TEXT:
            texts.append(data.decode())


def _wait_for_sockets(app: Flask, at_most: int) -> None:
    quota = app.extensions["omics_socket_quota"]
    deadline = time.monotonic() + 10
    while quota.total > at_most and time.monotonic() < deadline:
        time.sleep(0.1)
    assert quota.total <= at_most


def _wait_until_counted(app: Flask, at_least: int) -> None:
    """Each handler counts its socket just after the handshake: under load it may lag behind."""
    quota = app.extensions["omics_socket_quota"]
    deadline = time.monotonic() + 10
    while quota.total < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
    assert quota.total >= at_least


def _login(server: LiveServer) -> dict[str, str]:
    answer = requests.post(
        f"{server.url}/api/v2/auth/login", json={"username": "wsuser", "password": PASSWORD}, timeout=10
    )
    assert answer.status_code == 200
    return answer.json()


def test_resuming_at_or_past_the_end_closes_at_once(ws_app: Flask, server: LiveServer) -> None:
    search_id = _running_search(ws_app, None)
    state_of(ws_app).services.lifecycle.fail(search_id, "test", "ended for the test")
    last = max(seq for seq, _ in state_of(ws_app).services.events.replay(search_id))
    for after in (last, last + 50):
        texts, code, seconds = _frames_until_close(_connect(server, search_id, f"?after={after}"))
        assert (texts, code) == ([], 1000) and seconds < 3, after
    texts, code, _ = _frames_until_close(_connect(server, search_id, f"?after={last - 1}"))
    assert len(texts) == 1 and '"failed"' in texts[0] and code == 1000


def test_sockets_per_address_are_capped_with_1013(ws_app: Flask, server: LiveServer) -> None:
    search_id = _running_search(ws_app, None)
    held = [_connect(server, search_id) for _ in range(PER_ADDRESS)]
    try:
        # Each handler has counted its socket (it may lag the handshake): otherwise the extra
        # socket can be counted before a held one, which the quota then refuses instead.
        _wait_until_counted(ws_app, PER_ADDRESS)
        _, code, _ = _frames_until_close(_connect(server, search_id))
        assert code == 1013
        held.pop().close()
        _wait_for_sockets(ws_app, PER_ADDRESS - 1)
        extra = _connect(server, search_id)  # a closed socket frees its place
        held.append(extra)
        extra.settimeout(5)
        assert extra.recv_data(control_frame=True)[0] == websocket.ABNF.OPCODE_PING  # open, kept alive
    finally:
        for ws in held:
            ws.close()
        _wait_for_sockets(ws_app, 0)  # the server notices the closes within a poll: later tests start clean


def test_a_socket_opened_with_a_token_closes_after_logout(ws_app: Flask, server: LiveServer) -> None:
    session = _login(server)
    ws = _connect(
        server, _running_search(ws_app, "wsuser"), header=[f"Authorization: Bearer {session['access_token']}"]
    )
    logout = requests.post(
        f"{server.url}/api/v2/auth/logout",
        headers={"Authorization": f"Bearer {session['access_token']}"},
        timeout=10,
    )
    assert logout.status_code == 200
    _, code, seconds = _frames_until_close(ws)
    assert code == 1008 and seconds < 5


def test_a_socket_opened_with_an_api_key_closes_after_revocation(ws_app: Flask, server: LiveServer) -> None:
    token = {"Authorization": f"Bearer {_login(server)['access_token']}"}
    key = requests.post(
        f"{server.url}/api/v2/api-keys", json={"name": "watcher"}, headers=token, timeout=10
    ).json()
    ws = _connect(server, _running_search(ws_app, "wsuser"), header=[f"X-API-Key: {key['key']}"])
    assert (
        requests.delete(f"{server.url}/api/v2/api-keys/{key['id']}", headers=token, timeout=10).status_code
        == 204
    )
    _, code, seconds = _frames_until_close(ws)
    assert code == 1008 and seconds < 5


def test_the_quota_bounds_each_address_and_the_process() -> None:
    quota = SocketQuota(per_address=2, per_process=3)
    assert [quota.acquire("a"), quota.acquire("a"), quota.acquire("a")] == [True, True, False]
    assert [quota.acquire("b"), quota.acquire("c")] == [True, False]  # the process is full
    quota.release("a")
    assert quota.acquire("c") and quota.total == 3
