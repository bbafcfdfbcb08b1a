"""Celery's roles in the service registry: workers, the beat and Flower, and the ping cross-check.

A worker's record names its Celery node, so the registry can be checked against ``inspect
ping`` (a broadcast that a busy worker may miss: a cross-check, not the liveness signal, which
is the heartbeat). The beat reports when it last sent each schedule's task.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from celery.signals import before_task_publish

from omics.runtime import engine_status, shared_redis
from omics.services import HealthProbe, Heartbeat, Instance, Registry, liveness_only, queue_depths
from tasks.celery_app import OmicsCelery

PING_TIMEOUT = 1.0


def registry_of(app: OmicsCelery) -> Registry:
    return Registry(shared_redis(app.redis_url), app.omics_settings.discovery.ttl_seconds)


def _start(app: OmicsCelery, instance: Instance, probe: HealthProbe) -> Heartbeat:
    interval = app.omics_settings.discovery.heartbeat_seconds
    return Heartbeat(registry_of(app), instance, probe, interval).start()


def worker_instance(queues: Sequence[str]) -> Instance:
    """The record of a worker process; its Celery node name is derived from the instance id."""
    instance = Instance.new("worker", queues=tuple(queues))
    instance.health["node"] = f"{instance.instance_id}@{instance.hostname}"
    return instance


def start_worker_heartbeat(app: OmicsCelery, instance: Instance) -> Heartbeat:
    """Keep a worker's record fresh: its readiness (artefacts built) and its queues' depths."""
    client, node = shared_redis(app.redis_url), instance.health["node"]

    def probe() -> dict[str, Any]:
        building = engine_status(app.omics_settings) == "building"
        return {
            "ready": "building" if building else "ok",
            "node": node,
            "queues": queue_depths(client, instance.queues),
        }

    return _start(app, instance, probe)


def start_beat_heartbeat(app: OmicsCelery) -> Heartbeat:
    """Keep the beat's record fresh, with when it last sent each periodic task."""
    last_sent: dict[str, float] = {}
    lock = threading.Lock()

    def remember(sender: str | None = None, **_: Any) -> None:
        with lock:
            last_sent[str(sender)] = time.time()

    before_task_publish.connect(remember, weak=False)

    def probe() -> dict[str, Any]:
        with lock:
            return {"ready": "ok", "last_sent": dict(last_sent)}

    return _start(app, Instance.new("beat"), probe)


def start_plain_heartbeat(
    app: OmicsCelery, role: str, host: str | None = None, port: int | None = None
) -> Heartbeat:
    """A role with no dependencies to report (Flower): alive means ready."""
    return _start(app, Instance.new(role, host=host, port=port), liveness_only)


def live_instances(app: OmicsCelery) -> list[Instance]:
    """Every live instance; each worker's record cross-checked against a Celery ping."""
    instances = registry_of(app).instances()
    if any(instance.role == "worker" for instance in instances):
        answered = {node for reply in app.control.ping(timeout=PING_TIMEOUT) for node in reply}
        for instance in instances:
            if instance.role == "worker":
                instance.health["ping"] = "ok" if instance.health.get("node") in answered else "no reply"
    return instances
