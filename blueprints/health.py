"""Liveness, readiness and Prometheus metrics (the checks themselves: ``omics.web.readiness``).

``/health/ready`` is public, so it names the failing checks but never their reasons
(connection errors name hosts, ports and drivers); admins read those at
``/api/v2/admin/services``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from omics.services.metrics import ServiceCollector
from omics.telemetry.metrics_processes import metrics_shared_across_workers
from omics.web.readiness import cached_readiness
from omics.web.state import current_state

bp = Blueprint("health", __name__)


@bp.get("/health/live")
def live() -> Response:
    return jsonify(status="ok")


@bp.get("/health/ready")
def ready() -> tuple[Response, int]:
    verdict = cached_readiness()
    if verdict["status"] == "ok":
        return jsonify(verdict), 200
    checks = {name: _public_state(state) for name, state in verdict["checks"].items()}
    body = {
        "error": {
            "code": "unavailable",
            "message": ("building: " if verdict["status"] == "building" else "not ready: ")
            + ", ".join(name for name, state in checks.items() if state != "ok"),
            "details": checks,
        }
    }
    return jsonify(body), 503


def _public_state(state: str) -> str:
    """A check's public state: "ok", "building" (a state, not a reason), else "failing"."""
    return state if state in ("ok", "building") else "failing"


@bp.get("/metrics")
def metrics() -> Response:
    """This service's counters (all its forked workers' together) and the deployment's gauges."""
    return Response(
        generate_latest(_process_figures()) + generate_latest(_service_figures()),
        content_type=CONTENT_TYPE_LATEST,
    )


def _process_figures() -> CollectorRegistry:
    if not metrics_shared_across_workers():
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]  # unannotated
    return combined


def _service_figures() -> CollectorRegistry:
    state = current_state()
    queues = [queue.name for queue in state.celery.conf.task_queues]
    figures = CollectorRegistry(auto_describe=False)
    figures.register(ServiceCollector(state.services.redis, state.settings.discovery.ttl_seconds, queues))
    return figures
