"""Liveness, readiness and Prometheus metrics.

Readiness answers "can this process serve searches": Redis answers, the event relay holds its
subscription, the search index is loaded, and at least one Celery worker answers a ping. The
worker ping costs up to a second, so the verdict is cached for a few seconds per process.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from omics.web.extensions import relay
from omics.web.services import services

bp = Blueprint("health", __name__)

READY_CACHE_SECONDS = 3.0
WORKER_PING_TIMEOUT = 1.0

_ready_lock = threading.Lock()
_ready_cache: dict[int, tuple[float, dict[str, Any]]] = {}


@bp.get("/health/live")
def live() -> Response:
    return jsonify(status="ok")


def _check(name: str, probe: Any) -> tuple[str, str | None]:
    try:
        return name, probe()
    except Exception as exc:  # a readiness probe reports every failure, whatever its type
        return name, f"{type(exc).__name__}: {exc}"


def _probe_redis() -> str | None:
    services().redis.ping()
    return None


def _probe_relay() -> str | None:
    return None if relay.hub.healthy(wait=1.0) else "no event subscription"


def _probe_index() -> str | None:
    engine = services().engine
    return None if engine.version is not None else "index not loaded"


def _probe_workers() -> str | None:
    replies = services().celery.control.ping(timeout=WORKER_PING_TIMEOUT)
    return None if replies else "no Celery worker answered"


def readiness() -> dict[str, Any]:
    """Run every probe; ``{"status", "checks": {name: "ok" | reason}}``."""
    probes = {"redis": _probe_redis, "events": _probe_relay, "index": _probe_index}
    checks = dict(_check(name, probe) for name, probe in probes.items())
    # Workers are pinged through Redis: without it the ping would only wait out broker retries.
    checks["workers"] = "not checked: Redis unavailable" if checks["redis"] else _check("workers",
                                                                                       _probe_workers)[1]
    failing = {name: reason for name, reason in checks.items() if reason}
    return {"status": "unavailable" if failing else "ok",
            "checks": {name: reason or "ok" for name, reason in checks.items()}}


@bp.get("/health/ready")
def ready() -> tuple[Response, int]:
    key = id(services())
    with _ready_lock:
        cached = _ready_cache.get(key)
        if cached is None or time.monotonic() - cached[0] > READY_CACHE_SECONDS:
            cached = (time.monotonic(), readiness())
            _ready_cache[key] = cached
    verdict = cached[1]
    if verdict["status"] == "ok":
        return jsonify(verdict), 200
    body = {"error": {"code": "unavailable", "message": "not ready: " + ", ".join(
        name for name, state in verdict["checks"].items() if state != "ok"), "details": verdict["checks"]}}
    return jsonify(body), 503


@bp.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)
