"""Failed authentication per source address: limited, and audited in aggregate.

A client presenting bad API keys, tokens or passwords in a loop must neither turn each attempt
into an audit row (a write flood) nor get unlimited guesses. Every failure counts against the
address's ``OMICS_AUTH_FAILURE_LIMIT`` (in flask-limiter's storage, so every web process shares
one count); over it, a request carrying credentials gets 429 before anything is checked. The
audit log keeps the first failure of each kind, address, path and target in each window (see
:func:`omics.web.audit_trail.audit_once_per_window`).
"""

from __future__ import annotations

import time
from typing import Any

from flask import request
from limits import RateLimitItem, parse

from omics.web.audit_trail import audit_once_per_window, client_ip
from omics.web.errors import ApiError
from omics.web.state import current_state

_COUNTER = "omics-auth-failures"


def _limit() -> RateLimitItem:
    return parse(current_state().settings.security.auth_failure_limit)


def _source() -> str:
    return client_ip() or "unknown"


def refuse_if_flooding() -> None:
    """429 with ``Retry-After`` when this address failed authentication too often lately."""
    strategy, limit = current_state().limiter.limiter, _limit()
    if strategy.test(limit, _COUNTER, _source()):
        return
    reset_at = strategy.get_window_stats(limit, _COUNTER, _source()).reset_time
    raise ApiError(
        429,
        "too many failed authentication attempts from this address; try again later",
        "rate_limited",
        retry_after=max(1, int(reset_at - time.time()) + 1),
    )


def record_failure(action: str, *, target: str | None = None, details: dict[str, Any] | None = None) -> None:
    """Count one failed authentication of this address and audit it in aggregate."""
    current_state().limiter.limiter.hit(_limit(), _COUNTER, _source())
    marker = f"{action}:{_source()}:{request.path}:{target or ''}"
    audit_once_per_window(marker, action, "failure", target=target, details=details)
