"""Rate limits on the expensive and the guessable endpoints, counted in Redis by flask-limiter.

A view opts in with :func:`rate_limited` where it is declared, so the order in which
blueprints are registered cannot let a limited route escape. A caller is counted as one
principal: the user, whichever API key, token or cookie they call with, else the IP address.
Each principal has one budget shared by every limited view (v1 and v2 searches, login), so
neither more keys nor another surface buys more calls. Anonymous callers get the tighter
``OMICS_RATE_LIMIT_ANONYMOUS`` and identified ones ``OMICS_RATE_LIMIT_USER``. Counters live in
the shared Redis, so every web process enforces one budget. Over the limit a caller gets the
contract's 429 JSON with ``Retry-After``; the first breach of each caller per minute is
audited (not every blocked request, or a flood would turn into a flood of audit writes).

When Redis is down the limits neither fail open (unlimited) nor closed (every limited view
503): flask-limiter counts in this process's memory meanwhile, with the same limits, so a
flood is still refused with 429 while calls under the limit reach their view. With N
web processes a caller may get up to N times the budget during an outage; the limiter checks
Redis again with a backoff (up to about 30 s) and counts there once it answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_limiter import Limiter, RequestLimit

from omics.connections.sentinel import sentinel_target
from omics.web.audit_trail import audit_once_per_window, client_ip
from omics.web.identity import current_identity
from omics.web.state import current_state

View = TypeVar("View", bound=Callable[..., Any])
_RATE_LIMITED = "_omics_rate_limited"


def rate_limited(view: View) -> View:
    """Count every call of ``view`` against the caller's rate limit."""
    setattr(view, _RATE_LIMITED, True)
    return view


def rate_key() -> str:
    """Whom to count: the user (through any of their credentials), else the client address."""
    subject = current_identity().subject
    return f"user:{subject}" if subject else f"ip:{client_ip()}"


def _limit_for_caller() -> str:
    limits = current_state().settings.security
    return limits.rate_limit_anonymous if current_identity().subject is None else limits.rate_limit_user


def _not_limited() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, _RATE_LIMITED, False)


def _audit_breach(limit: RequestLimit) -> None:
    """Audit a caller's first breach in each window (the rest are counted on the next row)."""
    details = {"limit": str(limit.limit), "counted_by": rate_key()}
    audit_once_per_window(f"ratelimit:{limit.key}", "rate_limited", "denied", details=details)


def create_limiter(redis_url: str) -> Limiter:
    """A limiter counting in ``redis_url`` that applies to the views marked :func:`rate_limited`."""
    target = sentinel_target(redis_url)
    storage_uri, storage_options = target.limits_storage() if target else (redis_url, {})
    return Limiter(
        rate_key,
        storage_uri=storage_uri,
        storage_options=storage_options,
        strategy="moving-window",
        headers_enabled=True,
        key_prefix="omics",
        on_breach=_audit_breach,
        # An application limit is one bucket per principal ("global" scope) across every view
        # it applies to; default limits would keep one bucket per view.
        application_limits=[_limit_for_caller],
        application_limits_exempt_when=_not_limited,
        in_memory_fallback_enabled=True,  # Redis down: the same limits, counted per process
    )


def init_app(app: Flask, limiter: Limiter) -> None:
    limiter.init_app(app)
