"""Rate limits on the expensive and the guessable endpoints, counted in Redis by flask-limiter.

Callers are counted by API key, else by user, else by IP address; anonymous callers get the
tighter ``OMICS_RATE_LIMIT_ANONYMOUS`` and identified ones ``OMICS_RATE_LIMIT_USER``. Counters
live in the shared Redis, so every web process enforces one budget. Over the limit a caller
gets the contract's 429 JSON with ``Retry-After``; the first breach of each caller per minute
is audited (not every blocked request, or a flood would turn into a flood of audit writes).
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter, RequestLimit

from omics.web.auth import audit_request, client_ip, security
from omics.web.identity import current_identity
from omics.web.services import services

# (rule, method) of each limited route: searching (both API versions) and password login.
LIMITED_ROUTES: frozenset[tuple[str, str]] = frozenset({
    ("/api/v2/searches", "POST"),
    ("/api/v1/search", "GET"),
    ("/api/v2/auth/login", "POST"),
})
_BREACH_AUDIT_SECONDS = 60


def rate_key() -> str:
    """Whom to count: the API key, else the user, else the client address."""
    identity = current_identity()
    if identity.key_id:
        return f"key:{identity.key_id}"
    if identity.subject:
        return f"user:{identity.subject}"
    return f"ip:{client_ip()}"


def _limit_for_caller() -> str:
    limits = security().settings.security
    return limits.rate_limit_anonymous if current_identity().subject is None else limits.rate_limit_user


def _audit_breach(limit: RequestLimit) -> None:
    """Audit a caller's first breach in each minute."""
    marker = f"omics:ratelimit:audited:{limit.key}"
    if services().redis.set(marker, 1, nx=True, ex=_BREACH_AUDIT_SECONDS):
        audit_request("rate_limited", "denied", details={"limit": str(limit.limit), "counted_by": rate_key()})


def init_rate_limits(app: Flask, redis_url: str) -> Limiter:
    """Bind a limiter to ``app`` (one per app: its storage is that app's Redis)."""
    limiter = Limiter(rate_key, storage_uri=redis_url, strategy="moving-window", headers_enabled=True,
                      key_prefix="omics", on_breach=_audit_breach)
    limiter.init_app(app)
    limited: set[str] = set()
    for rule in app.url_map.iter_rules():
        methods = sorted(method for method in rule.methods or () if (rule.rule, method) in LIMITED_ROUTES)
        if methods and rule.endpoint not in limited:
            limited.add(rule.endpoint)
            decorate = limiter.limit(_limit_for_caller, methods=methods)
            app.view_functions[rule.endpoint] = decorate(app.view_functions[rule.endpoint])
    return limiter
