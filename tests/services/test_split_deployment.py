"""The split deployment, each role its own process, started all at once on a fresh data directory.

This is the smoke test of the Procfile deployment: web (gunicorn, gevent), realtime, two
workers, beat and Flower come up together (the index and lexicon built once, no gunicorn
worker timeouts), every instance appears in the registry, a search runs end to end with its
events served by the realtime role, and a killed worker leaves the registry within its TTL
while searches go on on the other one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omics.config import REPOSITORY_ROOT
from omics.services import Registry
from tests.processes import Processes, free_port
from tests.service_clients import connect, read_events, submit

pytestmark = [pytest.mark.system, pytest.mark.timeout(600)]

TTL = 4


class Deployment(Processes):
    def __init__(self, tmp_path: Path, redis_url: str) -> None:
        self.web, self.realtime, self.flower = free_port(), free_port(), free_port()
        super().__init__(
            tmp_path / "logs",
            {
                **os.environ,
                "REDIS_URL": redis_url,
                "OMICS_DATA_DIR": str(tmp_path / "fresh-data"),
                "OMICS_SERVICE_HEARTBEAT_SECONDS": "1",
                "OMICS_SERVICE_TTL_SECONDS": str(TTL),
                "OMICS_EVENTS_PUBLIC_URL": f"ws://127.0.0.1:{self.realtime}",
                "OMICS_FLOWER_USER": "ops",
                "OMICS_FLOWER_PASSWORD": "a-long-flower-password",
                "OMICS_WORKER_CONCURRENCY": "2",
            },
        )

    def start_role(self, name: str, *args: str) -> None:
        self.start(name, *args, cwd=REPOSITORY_ROOT)


@pytest.fixture
def deployment(tmp_path: Path, redis_url: str) -> Iterator[Deployment]:
    deployment = Deployment(tmp_path, redis_url)
    yield deployment
    deployment.stop()


def _search_through_realtime(web: str, query: str) -> list[dict[str, Any]]:
    created = submit(web, {"query": query})  # a query not asked before: never served from cache
    events_url = created["links"]["events"]
    ws_base, path = events_url.split("/api/", 1)
    events, close_code = read_events(connect(ws_base, f"/api/{path}", timeout=60))
    assert close_code == 1000
    return events


def test_every_role_starts_at_once_on_a_fresh_data_directory_and_survives_a_killed_worker(
    deployment: Deployment, redis_client: Any
) -> None:
    web, realtime = f"http://127.0.0.1:{deployment.web}", f"http://127.0.0.1:{deployment.realtime}"
    deployment.start_role("web", "web", "--port", str(deployment.web), "--workers", "2")
    deployment.start_role("realtime", "realtime", "--port", str(deployment.realtime))
    deployment.start_role("worker1", "worker", "--pool", "threads")
    deployment.start_role("worker2", "worker", "--pool", "threads")
    deployment.start_role("beat", "beat")
    deployment.start_role("flower", "flower", "--port", str(deployment.flower))

    deadline = time.monotonic() + 240
    deployment.wait_ready(web, deadline, "web")
    deployment.wait_ready(realtime, deadline, "realtime")
    assert "WORKER TIMEOUT" not in deployment.log("web")
    assert "WORKER TIMEOUT" not in deployment.log("realtime")

    registry = Registry(redis_client, TTL)
    mine = {process.pid for process in deployment.running.values()}
    while True:
        instances = [i for i in registry.instances() if i.pid in mine or i.role in ("web", "realtime")]
        roles = sorted(i.role for i in instances if i.health.get("ready") == "ok")
        if roles.count("worker") == 2 and {"web", "realtime", "beat", "flower"} <= set(roles):
            break
        assert time.monotonic() < deadline, f"not every role registered ready: {roles}"
        time.sleep(0.5)

    events = _search_through_realtime(web, "breast cancer tamoxifen")
    assert events[-1]["type"] == "completed"

    killed = deployment.running["worker1"]
    killed.kill()
    killed.wait(10)
    gone_by = time.monotonic() + TTL + 2
    while any(i.pid == killed.pid for i in registry.instances("worker")):
        assert time.monotonic() < gone_by, "the killed worker is still listed after its TTL"
        time.sleep(0.2)
    for query in ("lung adenocarcinoma", "hepatocellular carcinoma", "parkinson disease"):
        assert _search_through_realtime(web, query)[-1]["type"] == "completed"

    deployment.start_role("worker1", "worker", "--pool", "threads")
    restarted = deployment.running["worker1"].pid
    while not any(i.pid == restarted and i.health.get("ready") == "ok" for i in registry.instances("worker")):
        assert time.monotonic() < deadline + 60, "the restarted worker never registered"
        time.sleep(0.5)
