"""The Flask side of API versions: which version a request speaks, and converting on the way out.

A ``/api/v2`` request speaks the version named by ``OmicsOracle-Version``, else the one its API
key is pinned to, else 2026-11-29 (unknown: 400); every ``/api/v2`` response names the version
that served it. ``/api/v1`` is version ``"1"``: it carries RFC 9745 ``Deprecation`` and RFC
8594 ``Sunset`` headers with links to its successor and the migration guide, and after the
sunset answers 410 only if the operator enforces it. Views hand HEAD bodies to
:func:`respond`; error bodies are converted here, events by :func:`event_text`. Requests are
counted per version and per client so an operator knows who still calls an old version.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, time
from email.utils import format_datetime
from typing import Any

import redis
from flask import Flask, Response, current_app, g, jsonify, request
from prometheus_client import Counter

from omics.api import BUNDLE, DEFAULT_VERSION, VERSION_HEADER, UnknownVersion, Version, VersionBundle
from omics.api.versions import NO_PARAMS, Params
from omics.config import ApiSettings
from omics.web.errors import ApiError
from omics.web.identity import current_identity
from omics.web.state import current_state

MIGRATION_GUIDE = "/api/docs/migration"
SUCCESSOR = "/api/v2/searches"
_EXTENSION_KEY = "omics_api_versions"
USAGE_KEY = "omics:api:usage"  # Redis hash: "<version>|<client>" -> requests

API_REQUESTS = Counter(
    "omics_api_requests_total", "API requests by the version that served them", ["version"]
)


def init_app(app: Flask, settings: ApiSettings, bundle: VersionBundle = BUNDLE) -> None:
    """Bind the version hooks (after authentication: a key's pin needs the caller)."""
    app.extensions[_EXTENSION_KEY] = (bundle, settings)
    app.before_request(_resolve_version)
    app.after_request(_label_response)


def bundle() -> VersionBundle:
    found: VersionBundle = current_app.extensions[_EXTENSION_KEY][0]
    return found


def _settings() -> ApiSettings:
    found: ApiSettings = current_app.extensions[_EXTENSION_KEY][1]
    return found


def request_version() -> Version:
    """The version the current request speaks (HEAD outside the versioned prefixes)."""
    version: Version | None = g.get("api_version")
    return version or bundle().head


def _resolve_version() -> None:
    path = request.path
    if path.startswith("/api/v1/"):
        g.api_version = bundle().parse("1")
        _enforce_sunset()
    elif path.startswith("/api/v2/"):
        g.api_version = version_named(request.headers.get(VERSION_HEADER))


def version_named(name: str | None) -> Version:
    """The version a v2 caller asked for: named, else its key's pin, else the default (400 if unknown)."""
    versions = bundle()
    name = name or current_identity().api_version
    if not name:
        return versions.parse(DEFAULT_VERSION.name)
    try:
        version = versions.parse(name)
    except UnknownVersion as unknown:
        raise ApiError(
            400, str(unknown), "unknown_api_version", {"known": [v.name for v in versions.dated()]}
        ) from None
    if not version.dated:
        raise ApiError(400, "version 1 is served under /api/v1 only", "unknown_api_version")
    return version


def _enforce_sunset() -> None:
    settings = _settings()
    if settings.v1_sunset_enforce and datetime.now(UTC) >= _midnight(settings.v1_sunset):
        raise ApiError(
            410,
            f"API v1 was switched off at its sunset ({settings.v1_sunset.isoformat()}); see the guide",
            "api_version_sunset",
            {"successor": SUCCESSOR, "migration_guide": MIGRATION_GUIDE},
        )


def _midnight(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def respond(schema: str, body: Any, status: int = 200, params: Params = NO_PARAMS) -> Response:
    """A HEAD ``body`` of ``schema`` as JSON in the request's version."""
    response = jsonify(bundle().migrate_response(schema, body, request_version(), params))
    response.status_code = status
    return response


def upgrade_request(schema: str, body: Any, params: Params = NO_PARAMS) -> Any:
    """A request ``body`` of ``schema`` in the request's version, brought up to HEAD."""
    return bundle().migrate_request(schema, body, request_version(), params)


def event_text(text: str, version: Version) -> str:
    """One stored WebSocket event (HEAD JSON text) as a client of ``version`` receives it.

    Sent as stored when no change after ``version`` touches events: the common case costs
    nothing; otherwise parsed, converted and serialised like the stream writes it.
    """
    versions = bundle()
    if not versions.touches("Event", version):
        return text
    converted = versions.migrate_response("Event", json.loads(text), version)
    return json.dumps(converted, separators=(",", ":"), sort_keys=True)


def _label_response(response: Response) -> Response:
    version: Version | None = g.get("api_version")
    if version is None:
        return response
    if response.status_code >= 400 and response.is_json and bundle().touches("Error", version):
        response.set_data(json.dumps(bundle().migrate_response("Error", response.get_json(), version)))
    if version.dated:
        response.headers[VERSION_HEADER] = version.name
    else:
        _deprecation_headers(response)
    _count(version)
    return response


def _deprecation_headers(response: Response) -> None:
    settings = _settings()
    response.headers["Deprecation"] = f"@{int(_midnight(settings.v1_deprecated).timestamp())}"
    response.headers["Sunset"] = format_datetime(_midnight(settings.v1_sunset), usegmt=True)
    response.headers["Link"] = (
        f'<{SUCCESSOR}>; rel="successor-version", <{MIGRATION_GUIDE}>; rel="deprecation"'
    )


def _count(version: Version) -> None:
    """Count the request for ``/metrics`` (by version) and the admin view (by version and client)."""
    API_REQUESTS.labels(version.name).inc()
    identity = current_identity()
    client = identity.key_id or identity.subject or "anonymous"
    with contextlib.suppress(redis.RedisError):  # counting never fails a request
        current_state().services.redis.hincrby(USAGE_KEY, f"{version.name}|{client}", 1)


def usage() -> list[dict[str, Any]]:
    """Requests per version and client, busiest first (the admin view)."""
    raw = current_state().services.redis.hgetall(USAGE_KEY)
    rows = []
    for field, count in raw.items():
        name = field.decode() if isinstance(field, bytes) else str(field)
        version, _, client = name.partition("|")
        rows.append({"version": version, "client": client, "requests": int(count)})
    return sorted(rows, key=lambda row: (-row["requests"], row["version"], row["client"]))
