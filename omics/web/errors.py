"""The contract's JSON errors: ``{"error": {"code", "message", "details"}}`` for every status.

Handlers cover raised :class:`ApiError`, every werkzeug HTTP error (404, 405, 413, ...),
marshmallow validation errors (422 with the field messages), a lost Redis or broker (503 with
``Retry-After``: a failover or an outage, worth retrying; logged once per outage by
``omics.web.outage``) and, last, any unexpected exception
(500, logged, with no stack trace or internals in the body).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis
from flask import Flask, Response, current_app, g, jsonify
from kombu.exceptions import OperationalError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from omics.web.outage import OutageWatch

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2  # a failover or a restart of Redis takes seconds
_OUTAGE_KEY = "omics_outage"

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_failed",
    426: "upgrade_required",
    429: "rate_limited",
    431: "header_fields_too_large",
    500: "internal_error",
    503: "unavailable",
}


def error_code(status: int) -> str:
    """The contract's error code for an HTTP status."""
    return _CODES.get(status, "error")


class ApiError(Exception):
    """An error the API reports as-is to the caller (``retry_after`` seconds: a ``Retry-After``)."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.details = details or {}
        self.retry_after = retry_after

    def response(self) -> Response:
        response = error_response(self.status, self.message, self.code, self.details)
        if self.retry_after is not None:
            response.headers["Retry-After"] = str(self.retry_after)
        return response


def error_response(
    status: int, message: str, code: str | None = None, details: dict[str, Any] | None = None
) -> Response:
    body = {
        "error": {"code": code or _CODES.get(status, "error"), "message": message, "details": details or {}}
    }
    response = jsonify(body)
    response.status_code = status
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    response = error_response(status, exc.description or exc.name)
    if status == 405 and isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    for name, value in exc.get_headers() if status == 429 else []:
        if name.lower() == "retry-after":
            response.headers[name] = value
    return response


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal server error")


def _backend_unavailable(exc: Exception) -> Response:
    """503 with ``Retry-After``; the outage is logged once (its start and end), not per request."""
    watch = current_app.extensions.get(_OUTAGE_KEY)
    if isinstance(watch, OutageWatch):
        watch.refused(exc)
    response = error_response(503, "a backing service is unavailable; retry shortly")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    g.omics_unavailable = True
    return response


def _keep_retry_after(response: Response) -> Response:
    """A 503's own ``Retry-After``, not the rate-limit window's reset that flask-limiter's hook
    writes over it (registered first, so this hook runs after the limiter's)."""
    if g.get("omics_unavailable"):
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask, redis_probe: Callable[[], object]) -> None:
    """Bind the JSON error handlers; ``redis_probe`` (a ping) tells when an outage has ended."""
    app.extensions[_OUTAGE_KEY] = OutageWatch(redis_probe)
    app.after_request(_keep_retry_after)
    app.register_error_handler(ApiError, ApiError.response)
    app.register_error_handler(
        ValidationError,
        lambda exc: error_response(422, "the request is not valid", details=_as_details(exc.messages)),
    )
    app.register_error_handler(HTTPException, _http_error)
    for unavailable in (redis.ConnectionError, redis.TimeoutError, OperationalError):
        app.register_error_handler(unavailable, _backend_unavailable)
    app.register_error_handler(Exception, _unexpected)


def _as_details(messages: Any) -> dict[str, Any]:
    return messages if isinstance(messages, dict) else {"_schema": messages}
