"""Can this process serve searches? Redis answers, the event hub holds its subscription, the
search index is loaded, and at least one Celery worker answers a ping.

A verdict must follow Redis closely both ways: a load balancer takes an instance out when
Redis goes and puts it back when Redis returns (within about a second). So the verdict is kept
briefly (:data:`READY_CACHE_SECONDS`, less when failing), the worker ping stops at the first
reply instead of waiting out its timeout, and it goes over a fresh broker connection: a pooled
one may be a stale socket to the Redis that went away, which fails (or waits out retries) on
the first probes after Redis is back.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from omics.runtime import engine_status
from omics.web.state import current_state

READY_CACHE_SECONDS = 1.0
FAILING_CACHE_SECONDS = 0.25
WORKER_PING_TIMEOUT = 1.0
RELAY_WAIT_SECONDS = 0.5  # the relay resubscribes every RECONNECT_DELAY (0.5 s) while Redis is away

_ready_lock = threading.Lock()
_ready_cache: dict[int, tuple[float, dict[str, Any]]] = {}


def _check(name: str, probe: Any) -> tuple[str, str | None]:
    try:
        return name, probe()
    except Exception as exc:  # a readiness probe reports every failure, whatever its type
        return name, f"{type(exc).__name__}: {exc}"


def _probe_redis() -> str | None:
    current_state().services.redis.ping()
    return None


def _probe_relay() -> str | None:
    return None if current_state().hub.healthy(wait=RELAY_WAIT_SECONDS) else "no event subscription"


def _probe_index() -> str | None:
    # Never opens the engine here: on a fresh data directory that would build on a request.
    return engine_status(current_state().settings)


def _probe_workers() -> str | None:
    celery = current_state().celery
    with celery.connection_for_write() as connection:
        replies = celery.control.ping(timeout=WORKER_PING_TIMEOUT, limit=1, connection=connection)
    return None if replies else "no Celery worker answered"


def readiness() -> dict[str, Any]:
    """Run every probe; ``{"status", "checks": {name: "ok" | reason}}``.

    The status is "ok", "building" while the shared artefacts are being built (the instance
    comes into rotation when they are), or "unavailable".
    """
    probes = {"redis": _probe_redis, "events": _probe_relay}
    searching = current_state().role != "realtime"  # a realtime instance only forwards events
    if searching:
        probes["index"] = _probe_index
    checks = dict(_check(name, probe) for name, probe in probes.items())
    if searching:
        # Workers are pinged through Redis: without it the ping would only wait out broker retries.
        checks["workers"] = (
            "not checked: Redis unavailable" if checks["redis"] else _check("workers", _probe_workers)[1]
        )
    failing = {name: reason for name, reason in checks.items() if reason}
    status = "ok" if not failing else "building" if failing.get("index") == "building" else "unavailable"
    return {
        "status": status,
        "checks": {name: reason or "ok" for name, reason in checks.items()},
    }


def cached_readiness() -> dict[str, Any]:
    """:func:`readiness`, run at most every :data:`READY_CACHE_SECONDS` per app
    (:data:`FAILING_CACHE_SECONDS` after a failing verdict, so a recovery shows at once)."""
    key = id(current_state())
    with _ready_lock:
        cached = _ready_cache.get(key)
        if cached is None or time.monotonic() - cached[0] > _kept_for(cached[1]):
            cached = (time.monotonic(), readiness())
            _ready_cache[key] = cached
    return cached[1]


def _kept_for(verdict: dict[str, Any]) -> float:
    return READY_CACHE_SECONDS if verdict["status"] == "ok" else FAILING_CACHE_SECONDS
