"""Service discovery on Redis: instance records with a TTL, refreshed by each process's heartbeat.

An instance writes its record under its own key with a time to live and refreshes it on every
heartbeat; a process that stops deregisters, and one that is killed simply stops refreshing, so
its record expires within the TTL. Listing reads the live records; an id whose record has
expired is noticed then, and its disappearance written to a short history, with every change of
an instance's readiness, so an admin can see when something went away.
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis

from omics.connections.redis import as_text
from omics.services.instance import Instance

PREFIX = "omics:services"
KNOWN = f"{PREFIX}:known"  # zset: instance id -> last heartbeat (seconds)
HISTORY = f"{PREFIX}:history"  # list of events, newest first
HISTORY_LENGTH = 200


def _record_key(instance_id: str) -> str:
    return f"{PREFIX}:instance:{instance_id}"


class Registry:
    """Registers, refreshes, lists and forgets instances; one per process and Redis."""

    def __init__(self, client: redis.Redis, ttl: float) -> None:
        self._redis = client
        self.ttl = ttl

    def heartbeat(self, instance: Instance) -> None:
        """Write ``instance`` with a fresh TTL; note it in the history when new or its readiness changed."""
        instance.last_seen = time.time()
        previous = self._redis.get(_record_key(instance.instance_id))
        was_ready = json.loads(as_text(previous))["health"].get("ready") if previous else None
        with self._redis.pipeline() as pipe:
            pipe.set(
                _record_key(instance.instance_id), json.dumps(instance.to_dict()), px=int(self.ttl * 1000)
            )
            pipe.zadd(KNOWN, {instance.instance_id: instance.last_seen})
            pipe.execute()
        ready = instance.health.get("ready")
        if previous is None:
            self._note(instance, "registered")
        elif ready != was_ready:
            self._note(instance, f"ready: {ready}")

    def deregister(self, instance: Instance) -> None:
        """Remove a stopping instance at once (a killed one expires after the TTL instead)."""
        with self._redis.pipeline() as pipe:
            pipe.delete(_record_key(instance.instance_id))
            pipe.zrem(KNOWN, instance.instance_id)
            pipe.execute()
        self._note(instance, "stopped")

    def instances(self, role: str | None = None) -> list[Instance]:
        """The live instances (of ``role``, or all), by role then start time."""
        ids = [as_text(member) for member in self._redis.zrange(KNOWN, 0, -1)]
        records = self._redis.mget([_record_key(instance_id) for instance_id in ids]) if ids else []
        live: list[Instance] = []
        for instance_id, raw in zip(ids, records, strict=True):
            if raw is None:
                self._forget(instance_id)
            else:
                live.append(Instance.from_dict(json.loads(as_text(raw))))
        chosen = [instance for instance in live if role is None or instance.role == role]
        return sorted(chosen, key=lambda instance: (instance.role, instance.started_at))

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest registry events (registered, readiness changes, stopped, gone), newest first."""
        return [json.loads(as_text(raw)) for raw in self._redis.lrange(HISTORY, 0, limit - 1)]

    def _forget(self, instance_id: str) -> None:
        """Drop an expired id; the one caller whose removal succeeds writes the "gone" event."""
        if self._redis.zrem(KNOWN, instance_id):
            role = instance_id.split("-", 1)[0]
            self._push({"at": time.time(), "instance_id": instance_id, "role": role, "event": "gone"})

    def _note(self, instance: Instance, event: str) -> None:
        self._push(
            {"at": time.time(), "instance_id": instance.instance_id, "role": instance.role, "event": event}
        )

    def _push(self, entry: dict[str, Any]) -> None:
        with self._redis.pipeline() as pipe:
            pipe.lpush(HISTORY, json.dumps(entry))
            pipe.ltrim(HISTORY, 0, HISTORY_LENGTH - 1)
            pipe.execute()
