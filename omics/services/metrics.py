"""Prometheus gauges of the services as a whole, read from Redis when scraped.

Queue depths and the age of the oldest waiting command, live instances per role and their
readiness, the progress sockets each instance holds and which of its circuit breakers are
open: figures of the deployment, so any web process answers the same, and none is counted
once per forked worker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import redis
from prometheus_client.core import GaugeMetricFamily, Metric

from omics.services.queues import queue_depths
from omics.services.registry import Registry

log = logging.getLogger(__name__)


class ServiceCollector:
    """Collects on each scrape; when Redis does not answer, it reports nothing (and logs why)."""

    def __init__(self, client: redis.Redis, ttl: float, queues: Sequence[str]) -> None:
        self.client = client
        self.ttl = ttl
        self.queues = tuple(queues)

    def collect(self) -> Iterator[Metric]:
        try:
            families = [*self._queue_families(), *self._instance_families()]
        except redis.RedisError as exc:
            log.warning("service metrics skipped: Redis did not answer (%s)", type(exc).__name__)
            return
        yield from families

    def _queue_families(self) -> list[Metric]:
        depth = GaugeMetricFamily("omics_queue_depth", "Commands waiting on a Celery queue", labels=["queue"])
        oldest = GaugeMetricFamily(
            "omics_queue_oldest_seconds", "Age of the oldest command waiting on a queue", labels=["queue"]
        )
        for queue, state in queue_depths(self.client, self.queues).items():
            depth.add_metric([queue], state["depth"])
            oldest.add_metric([queue], state["oldest_seconds"] or 0.0)
        return [depth, oldest]

    def _instance_families(self) -> list[Metric]:
        instances = GaugeMetricFamily(
            "omics_service_instances", "Live instances per role and readiness", labels=["role", "ready"]
        )
        sockets = GaugeMetricFamily(
            "omics_service_sockets", "Progress sockets an instance forwards to", labels=["instance"]
        )
        breakers = GaugeMetricFamily(
            "omics_breaker_open",
            "1 while an instance's circuit breaker is open",
            labels=["instance", "breaker"],
        )
        counts: dict[tuple[str, str], int] = {}
        for instance in Registry(self.client, self.ttl).instances():
            key = instance.role, str(instance.health.get("ready", "unknown"))
            counts[key] = counts.get(key, 0) + 1
            if "sockets" in instance.health:
                sockets.add_metric([instance.instance_id], float(instance.health["sockets"]))
            for name, state in instance.health.get("breakers", {}).items():
                breakers.add_metric([instance.instance_id, name], 1.0 if state == "open" else 0.0)
        for (role, ready), count in sorted(counts.items()):
            instances.add_metric([role, ready], count)
        return [instances, sockets, breakers]
