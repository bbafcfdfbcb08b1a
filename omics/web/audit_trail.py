"""Writing the current request's events to the audit log: who, from where, what, outcome.

:func:`audit_once_per_window` is for events a client can repeat at will (failed credentials,
rate-limit breaches): the first of each kind per window is written, later ones are counted
and reported on the next row written, so a flood of requests cannot become a flood of writes.
"""

from __future__ import annotations

import threading
from typing import Any

from cachetools import TTLCache
from flask import request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from omics.security import audit
from omics.web.identity import Identity, current_identity
from omics.web.state import current_state

AUDIT_WINDOW_SECONDS = 60
_FOLDED_KEPT_SECONDS = 7 * 86400
# The windows opened while Redis is unreachable (bounded: a flood of markers evicts the oldest).
_local_windows: TTLCache[str, bool] = TTLCache(maxsize=10_000, ttl=AUDIT_WINDOW_SECONDS)
_local_lock = threading.Lock()


def client_ip() -> str | None:
    """The caller's address (the proxy's client when ``OMICS_TRUSTED_PROXIES`` says so)."""
    return request.remote_addr


def audit_request(
    action: str,
    outcome: str,
    *,
    identity: Identity | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Audit an event of the current request: who (default: the caller), from where, outcome."""
    who = identity or current_identity()
    audit.record(
        current_state().security.database,
        audit.AuditEvent(
            action=action,
            outcome=outcome,
            actor=who.subject or "anonymous",
            actor_role=who.role,
            target=target,
            ip=client_ip(),
            details={"method": request.method, "path": request.path, **(details or {})},
        ),
    )


def audit_once_per_window(
    marker: str,
    action: str,
    outcome: str,
    *,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Audit the first event called ``marker`` in each window; count the rest as ``repeated``.

    The windows live in Redis (shared by every process). While Redis is down (rate limits are
    then counted in memory, see ``omics.web.rate_limits``) they live in this process, and the
    repeats are not counted.
    """
    redis = current_state().services.redis
    first, folded = f"omics:audit:first:{marker}", f"omics:audit:folded:{marker}"
    try:
        opens_window = redis.set(first, 1, nx=True, ex=AUDIT_WINDOW_SECONDS)
    except (RedisConnectionError, RedisTimeoutError):
        with _local_lock:  # cachetools' caches are not thread-safe
            opens_window = marker not in _local_windows
            if opens_window:
                _local_windows[marker] = True
        if opens_window:
            audit_request(action, outcome, target=target, details=details)
        return
    if opens_window:
        repeated = redis.getdel(folded)
        extra = {"repeated": int(repeated)} if repeated else {}
        audit_request(action, outcome, target=target, details={**(details or {}), **extra})
        return
    with redis.pipeline() as pipe:
        pipe.incr(folded)
        pipe.expire(folded, _FOLDED_KEPT_SECONDS)
        pipe.execute()
