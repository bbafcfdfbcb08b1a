"""Writing the current request's events to the audit log: who, from where, what, outcome.

:func:`audit_once_per_window` is for events a client can repeat at will (failed credentials,
rate-limit breaches): the first of each kind per window is written, later ones are counted
and reported on the next row written, so a flood of requests cannot become a flood of writes.
"""

from __future__ import annotations

from typing import Any

from flask import request

from omics.security import audit
from omics.web.identity import Identity, current_identity
from omics.web.state import current_state

AUDIT_WINDOW_SECONDS = 60
_FOLDED_KEPT_SECONDS = 7 * 86400


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
    """Audit the first event called ``marker`` in each window; count the rest as ``repeated``."""
    redis = current_state().services.redis
    first, folded = f"omics:audit:first:{marker}", f"omics:audit:folded:{marker}"
    if redis.set(first, 1, nx=True, ex=AUDIT_WINDOW_SECONDS):
        repeated = redis.getdel(folded)
        extra = {"repeated": int(repeated)} if repeated else {}
        audit_request(action, outcome, target=target, details={**(details or {}), **extra})
        return
    with redis.pipeline() as pipe:
        pipe.incr(folded)
        pipe.expire(folded, _FOLDED_KEPT_SECONDS)
        pipe.execute()
