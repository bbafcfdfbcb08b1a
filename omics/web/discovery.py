"""The web and realtime roles in the service registry: one instance record per serving process.

The heartbeat reports this process's readiness (the same probes as ``/health/ready``) and how
many event sockets it forwards to, so the registry shows each instance's health, not only the
one process an admin request happens to reach.
"""

from __future__ import annotations

import atexit
from typing import Any

from flask import Flask

from omics.runtime import shared_redis
from omics.services import API_VERSIONS, Heartbeat, Instance, Registry
from omics.web.readiness import readiness
from omics.web.state import current_state, state_of
from tasks.discovery import live_instances


def registry_of(app: Flask) -> Registry:
    state = state_of(app)
    return Registry(shared_redis(state.services.redis_url), state.settings.discovery.ttl_seconds)


def start_heartbeat(app: Flask, role: str, host: str, port: int) -> Heartbeat:
    """Register this process as an instance of ``role`` serving at ``host:port`` and keep it fresh."""
    state = state_of(app)

    def probe() -> dict[str, Any]:
        with app.app_context():
            verdict = readiness()
        return {"ready": verdict["status"], "checks": verdict["checks"], "sockets": state.hub.sockets}

    instance = Instance.new(
        role, host=host, port=port, api_versions=() if role == "realtime" else API_VERSIONS
    )
    heartbeat = Heartbeat(
        registry_of(app), instance, probe, state.settings.discovery.heartbeat_seconds
    ).start()
    atexit.register(heartbeat.stop)
    return heartbeat


def service_instances() -> dict[str, Any]:
    """Every live instance (workers cross-checked by ping) and the registry's recent history."""
    state = current_state()
    return {
        "instances": [instance.to_dict() for instance in live_instances(state.celery)],
        "history": Registry(state.services.redis, state.settings.discovery.ttl_seconds).history(),
    }
