"""HTTP headers in and out: security headers on every response, and whose X-Forwarded-For counts.

Every response forbids framing (clickjacking), MIME sniffing and cross-site referrers, and
carries a Content-Security-Policy that allows only this origin's scripts, styles and
connections (the page loads nothing else). ``X-Forwarded-For`` and ``-Proto`` are believed
only through ``OMICS_TRUSTED_PROXIES`` hops (werkzeug's ProxyFix): behind one reverse proxy
set it to 1, and the client address (rate limits, audit, socket quotas) is the proxy's
client; left at 0 a client cannot pick its own address with a header.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix


def _content_security_policy() -> str:
    host = request.host
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' ws://{host} wss://{host}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def init_app(app: Flask, trusted_proxies: int) -> None:
    app.after_request(add_security_headers)
    if trusted_proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies)  # type: ignore[method-assign]
