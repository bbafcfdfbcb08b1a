"""A search Redis lost with its data is gone, not unknown (issue 10, item 18): 410 with code
``search_gone`` for GET and the socket handshake, a socket already open is closed with 4410
``search_gone``, and an id this deployment never issued is still 404. Against a real Redis
server of the test's own (no worker consumes it: the searches stay queued until lost)."""

from __future__ import annotations

import struct
import time
import uuid
from dataclasses import replace
from typing import Any

import pytest
import redis
import websocket
from flask import Flask

from omics.config import Settings
from tests.live_server import LiveServer
from tests.redis_server import RedisServer
from tests.service_clients import CLOSE_OPCODE, connect, submit
from tests.web.conftest import HANDSHAKE


@pytest.fixture
def app(server: RedisServer, settings: Settings, engine: Any) -> Flask:
    from app import create_app

    return create_app(replace(settings, redis_url=server.url))


def _gone(response: Any, search_id: str) -> None:
    assert response.status_code == 410
    assert response.get_json()["error"]["code"] == "search_gone"
    assert response.get_json()["error"]["details"] == {"id": search_id}


def test_a_search_lost_in_a_redis_restart_is_gone_and_one_never_issued_is_not_found(
    app: Flask, server: RedisServer
) -> None:
    client = app.test_client()
    created = client.post("/api/v2/searches", json={"query": "hepatocellular carcinoma"})
    assert created.status_code == 202
    search_id = created.get_json()["id"]
    assert client.get(f"/api/v2/searches/{search_id}").status_code == 200

    server.stop()
    server.start()  # no persistence: it comes back empty

    _gone(client.get(f"/api/v2/searches/{search_id}"), search_id)
    _gone(client.get(f"/api/v2/searches/{search_id}?cursor=abc"), search_id)
    _gone(client.get(f"/api/v2/searches/{search_id}/events", headers=HANDSHAKE), search_id)
    forged = search_id[:32] + ("0" * 16 if search_id[32:] != "0" * 16 else "1" * 16)
    for unknown in (forged, uuid.uuid4().hex, "doesnotexist"):
        assert client.get(f"/api/v2/searches/{unknown}").status_code == 404


def test_a_socket_watching_a_search_redis_loses_is_closed_with_search_gone(
    app: Flask, server: RedisServer
) -> None:
    with LiveServer(app) as live:
        created = submit(live.url, {"query": "idiopathic pulmonary fibrosis"})
        socket = connect(live.ws_url, created["links"]["events"], timeout=15)
        redis.Redis.from_url(server.url).flushall()  # the data goes, the connection stays
        started = time.monotonic()
        opcode, data = socket.recv_data(control_frame=True)
        while opcode != CLOSE_OPCODE:
            opcode, data = socket.recv_data(control_frame=True)
        assert struct.unpack("!H", data[:2])[0] == 4410
        assert data[2:].decode().startswith("search_gone")
        assert time.monotonic() - started < 10
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            connect(live.ws_url, created["links"]["events"])
        assert refused.value.status_code == 410
