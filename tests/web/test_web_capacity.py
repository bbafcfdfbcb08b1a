"""A web process keeps answering when its progress sockets are at their cap (issue #10, item 14).

A gevent web process serves at most ``worker_connections`` connections (gunicorn's default:
1,000); sockets that filled them left no connection for ``/health/live``, a POST or a new
handshake. The socket quota now stops ``OMICS_WEB_HEADROOM`` below the server's cap
(``OMICS_WEB_CONNECTIONS``, ``python app.py web --connections``). The fast tests check the
headroom arithmetic and the quota of a live app; the system test runs the real gunicorn gevent
role at a small cap and fills it (``bench/sockets.py`` measures 2,000 sockets).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
import websocket

from omics.config import REPOSITORY_ROOT, LoadSettings, Settings
from omics.realtime.search_state import SearchStore
from omics.search.request import SearchRequest
from omics.web.socket_quota import process_socket_cap
from tests.live_server import LiveServer

TRY_AGAIN_LATER = 1013


def test_the_socket_cap_leaves_headroom_below_the_server_connection_cap() -> None:
    assert process_socket_cap(2000, 1000, 200) == 800  # gunicorn's default cap: 200 kept free
    assert process_socket_cap(2000, 4000, 200) == 2000  # the default: the socket setting binds
    assert process_socket_cap(2000, 64, 200) == 48  # gthread's 64 threads: a quarter kept free
    assert process_socket_cap(2000, 0, 200) == 0
    defaults = LoadSettings()
    assert defaults.web_connections - defaults.web_headroom >= 2000  # 2,000 sockets fit by default


def _queued_search(redis_client: Any) -> str:
    """A search no worker will run: its progress sockets stay open."""
    return SearchStore(redis_client, 600).create(SearchRequest(query="never runs"), None, uuid.uuid4().hex)


def _open(url: str) -> tuple[websocket.WebSocket, int | None]:
    """A socket and the close code it got at once (None: it is held open)."""
    ws = websocket.create_connection(url, timeout=10)
    ws.settimeout(1.0)
    try:
        opcode, data = ws.recv_data(control_frame=True)
    except websocket.WebSocketTimeoutException:
        return ws, None
    return ws, int.from_bytes(data[:2], "big") if opcode == websocket.ABNF.OPCODE_CLOSE else -1


@pytest.fixture
def capped_server(settings: Settings, celery_app: Any) -> Iterator[LiveServer]:
    from app import create_app

    capped = replace(settings, load=replace(settings.load, web_connections=40, web_headroom=10))
    with LiveServer(create_app(capped, celery_app)) as server:
        yield server


def test_sockets_stop_below_the_connection_cap_and_health_still_answers(
    capped_server: LiveServer, redis_client: Any
) -> None:
    events = f"{capped_server.ws_url}/api/v2/searches/{_queued_search(redis_client)}/events"
    with ThreadPoolExecutor(32) as pool:
        opened = list(pool.map(lambda _: _open(events), range(32)))
    try:
        codes = [code for _, code in opened]
        assert codes.count(None) == 30  # 40 connections, 10 kept for everything else
        assert codes.count(TRY_AGAIN_LATER) == 2
        assert requests.get(f"{capped_server.url}/health/live", timeout=5).status_code == 200
    finally:
        for ws, _ in opened:
            ws.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.system
def test_a_gevent_process_at_its_socket_cap_still_answers_health_posts_and_handshakes(
    settings: Settings, redis_url: str, redis_client: Any, engine: Any, tmp_path: Path
) -> None:
    """``engine``: the session's index is built in the data directory the web role will load."""
    port, connections = _free_port(), 120
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "OMICS_DATA_DIR": str(settings.data_dir),
        "OMICS_WS_MAX_PER_IP": "100000",
        "OMICS_RATE_LIMIT_ANONYMOUS": "100000/minute",
    }
    command = [sys.executable, "app.py", "web", "--port", str(port), "--workers", "1"]
    command += ["--worker-class", "gevent", "--connections", str(connections)]
    with open(tmp_path / "web.log", "wb") as log:
        web = subprocess.Popen(command, cwd=REPOSITORY_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base, opened = f"http://127.0.0.1:{port}", []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/health/live", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and web.poll() is None, (tmp_path / "web.log").read_text()
                time.sleep(0.3)
        events = f"ws://127.0.0.1:{port}/api/v2/searches/{_queued_search(redis_client)}/events"
        with ThreadPoolExecutor(64) as pool:  # as many sockets as the server has connections
            opened = list(pool.map(lambda _: _open(events), range(connections)))
        held = sum(code is None for _, code in opened)
        assert held == connections - connections // 4  # the cap less its headroom
        started = time.perf_counter()
        assert requests.get(f"{base}/health/live", timeout=10).status_code == 200
        posted = requests.post(
            f"{base}/api/v2/searches", json={"query": f"liver w{uuid.uuid4().hex[:6]}"}, timeout=10
        )
        assert posted.status_code == 202, posted.text
        extra, code = _open(events)
        extra.close()
        assert code == TRY_AGAIN_LATER  # a new handshake is answered, and told to come back
        assert time.perf_counter() - started < 10
    finally:
        for ws, _ in opened:
            ws.close()
        web.terminate()
        web.wait(20)
