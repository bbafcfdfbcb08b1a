"""/metrics: the deployment's gauges (queues, instances, sockets) read from Redis when scraped."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from omics.services import Instance, Registry
from omics.services.metrics import ServiceCollector


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_queue_depth_and_oldest_waiting_command_are_gauges(client: Any, redis_client: Any) -> None:
    queue = f"omics-test-idle-{uuid.uuid4().hex[:8]}"  # a queue no test worker consumes
    redis_client.lpush(queue, json.dumps({"headers": {"omics_sent_at": time.time() - 30}}))
    try:
        registry = CollectorRegistry()
        registry.register(ServiceCollector(redis_client, 30, [queue]))
        figures = samples(generate_latest(registry).decode())
    finally:
        redis_client.delete(queue)
    assert figures[("omics_queue_depth", (("queue", queue),))] == 1
    assert figures[("omics_queue_oldest_seconds", (("queue", queue),))] >= 29
    served = samples(client.get("/metrics").get_data(as_text=True))
    assert {("omics_queue_depth", (("queue", name),)) for name in ("search", "maintenance")} <= set(served)


def test_live_instances_are_counted_per_role_with_their_sockets(client: Any, redis_client: Any) -> None:
    registry = Registry(redis_client, 30)
    instance = Instance.new("realtime", host="127.0.0.1", port=1)
    instance.health = {"ready": "ok", "sockets": 7}
    registry.heartbeat(instance)
    try:
        figures = samples(client.get("/metrics").get_data(as_text=True))
    finally:
        registry.deregister(instance)
    assert figures[("omics_service_instances", (("ready", "ok"), ("role", "realtime")))] >= 1
    assert figures[("omics_service_sockets", (("instance", instance.instance_id),))] == 7
