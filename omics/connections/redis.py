"""Redis client factory, and where Redis is: ``REDIS_URL`` or the embedded server.

Every role (web, worker, beat, tests) reaches Redis through :func:`resolve_redis_url`, so a
laptop run and a cluster differ only in the environment. The embedded server (private,
durable, owned through a pid record) is :mod:`omics.connections.embedded`.
"""

from __future__ import annotations

from pathlib import Path

import redis

from omics.connections.embedded import start_embedded_redis
from omics.connections.sentinel import sentinel_target


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
