"""Service discovery on a real Redis: records live while their heartbeat runs, vanish after the
TTL when a process dies, at once when it stops; workers are cross-checked by a Celery ping."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from omics.config import REPOSITORY_ROOT
from omics.services import Heartbeat, Instance, Registry, liveness_only

TTL = 1.0


@pytest.fixture
def registry(redis_client: Any) -> Registry:
    return Registry(redis_client, TTL)


@pytest.fixture
def heartbeats() -> Iterator[list[Heartbeat]]:
    started: list[Heartbeat] = []
    yield started
    for heartbeat in started:
        heartbeat.stop()


def _ids(instances: list[Instance]) -> set[str]:
    return {instance.instance_id for instance in instances}


def test_a_killed_instance_is_gone_within_its_ttl_and_a_stopped_one_at_once(
    registry: Registry, heartbeats: list[Heartbeat]
) -> None:
    web = Heartbeat(registry, Instance.new("web", host="127.0.0.1", port=8000), liveness_only, 0.2).start()
    realtime = Heartbeat(registry, Instance.new("realtime", host="127.0.0.1", port=8001), liveness_only, 0.2)
    beat = Instance.new("beat")
    heartbeats.extend([web, realtime.start()])
    registry.heartbeat(beat)  # one beat, then "killed": never refreshed, never deregistered
    time.sleep(0.3)
    assert {web.instance.instance_id, realtime.instance.instance_id, beat.instance_id} <= _ids(
        registry.instances()
    )
    assert _ids(registry.instances("realtime")) >= {realtime.instance.instance_id}
    assert web.instance.instance_id not in _ids(registry.instances("realtime"))

    realtime.stop()
    assert realtime.instance.instance_id not in _ids(registry.instances())
    time.sleep(TTL + 0.3)
    alive = _ids(registry.instances())
    assert beat.instance_id not in alive and web.instance.instance_id in alive
    events = {(entry["instance_id"], entry["event"]) for entry in registry.history()}
    assert {(beat.instance_id, "gone"), (realtime.instance.instance_id, "stopped")} <= events
    assert (web.instance.instance_id, "registered") in events


def test_a_readiness_change_is_kept_in_the_history(registry: Registry, heartbeats: list[Heartbeat]) -> None:
    readiness = {"ready": "building"}
    heartbeat = Heartbeat(registry, Instance.new("worker"), lambda: dict(readiness), 60)
    heartbeats.append(heartbeat)
    heartbeat.beat()
    readiness["ready"] = "ok"
    heartbeat.beat()
    (record,) = [i for i in registry.instances("worker") if i.instance_id == heartbeat.instance.instance_id]
    assert (record.health["live"], record.health["ready"]) == ("ok", "ok") and record.pid == os.getpid()
    mine = [e["event"] for e in registry.history() if e["instance_id"] == heartbeat.instance.instance_id]
    assert mine[:2] == ["ready: ok", "registered"]


def test_services_command_lists_instances_and_cross_checks_workers_by_ping(
    redis_client: Any, redis_url: str, settings: Any, celery_worker: Any, heartbeats: list[Heartbeat]
) -> None:
    registry = Registry(redis_client, 30)
    answering, silent = Instance.new("worker"), Instance.new("worker")
    answering.health["node"] = celery_worker.hostname
    silent.health["node"] = "nobody@nowhere"
    for instance in (answering, silent):
        probe = (lambda node: lambda: {"ready": "ok", "node": node})(instance.health["node"])
        heartbeats.append(Heartbeat(registry, instance, probe, 60).start())
    time.sleep(0.2)
    env = {**os.environ, "REDIS_URL": redis_url, "OMICS_DATA_DIR": str(settings.data_dir)}
    listed = subprocess.run(
        [sys.executable, "app.py", "services", "--json"],
        cwd=REPOSITORY_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    by_id = {record["instance_id"]: record for record in json.loads(listed.stdout)}
    assert by_id[answering.instance_id]["health"]["ping"] == "ok"
    assert by_id[silent.instance_id]["health"]["ping"] == "no reply"
    table = subprocess.run(
        [sys.executable, "app.py", "services"],
        cwd=REPOSITORY_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    line = next(line for line in table.splitlines() if answering.instance_id in line)
    assert line.startswith("worker") and "ready=ok ping=ok" in line and "s ago" in line
