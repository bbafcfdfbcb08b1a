"""Redis without a single point of failure: the product behind Sentinels survives losing its primary.

Debian's ``redis-server`` runs a primary, a replica and three Sentinels on free ports; the
all-in-one process (web, socket relay, Celery worker and beat, cache, rate limits, registry)
is configured with ``OMICS_REDIS_SENTINELS`` only. Searches and a WebSocket run while the
primary is killed; within 30 s the product serves again from the promoted replica, every
search the API acknowledged (202) completes, no request gets a 500, and the process was never
restarted.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from omics.config import REPOSITORY_ROOT
from tests.service_clients import assert_contiguous, connect, read_events, wait_for

pytestmark = [
    pytest.mark.system,
    pytest.mark.timeout(900),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server"),
]

MASTER = "mymaster"
FAILOVER_BUDGET = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (redis.RedisError, requests.RequestException, OSError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class RedisSet:
    """A primary, a replica and three Sentinels, each its own redis-server process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.primary, self.replica = _free_port(), _free_port()
        self.sentinels = [_free_port() for _ in range(3)]
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _start(self, name: str, *args: str) -> None:
        workdir = self.root / name
        workdir.mkdir()
        log = open(workdir / "log", "ab")  # noqa: SIM115  (closed with the process)
        self.processes[name] = subprocess.Popen(["redis-server", *args], cwd=workdir, stdout=log, stderr=log)

    def start(self) -> None:
        common = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        self._start("primary", "--port", str(self.primary), *common)
        self._start(
            "replica", "--port", str(self.replica), *common, "--replicaof", "127.0.0.1", str(self.primary)
        )
        for index, port in enumerate(self.sentinels):
            config = self.root / f"sentinel-{index}.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\n"
                f"sentinel monitor {MASTER} 127.0.0.1 {self.primary} 2\n"
                f"sentinel down-after-milliseconds {MASTER} 1000\n"
                f"sentinel failover-timeout {MASTER} 10000\n"
                f"sentinel parallel-syncs {MASTER} 1\n"
            )
            self._start(f"sentinel-{index}", str(config), "--sentinel")
        sentinel = redis.Redis(port=self.sentinels[0], decode_responses=True)
        _wait(lambda: sentinel.sentinel_slaves(MASTER), 30, "the Sentinels to see the replica")
        _wait(lambda: len(sentinel.sentinel_sentinels(MASTER)) == 2, 30, "the Sentinels to see each other")

    def master_port(self) -> int:
        _host, port = redis.Redis(port=self.sentinels[1]).sentinel_get_master_addr_by_name(MASTER)
        return int(port)

    def kill_primary(self) -> None:
        self.processes["primary"].send_signal(signal.SIGKILL)
        self.processes["primary"].wait(10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def redis_set(tmp_path: Path) -> Iterator[RedisSet]:
    servers = RedisSet(tmp_path)
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def product(tmp_path: Path, redis_set: RedisSet) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    port = _free_port()
    log_path = tmp_path / "app.log"
    env = {
        **os.environ,
        "OMICS_REDIS_SENTINELS": ",".join(f"127.0.0.1:{p}" for p in redis_set.sentinels),
        "OMICS_REDIS_SENTINEL_MASTER": MASTER,
        "OMICS_DATA_DIR": str(tmp_path / "data"),
        "OMICS_RATE_LIMIT_ANONYMOUS": "100000/minute",
        "PORT": str(port),
    }
    env.pop("REDIS_URL", None)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=REPOSITORY_ROOT, env=env, stdout=log, stderr=log
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: requests.get(f"{url}/health/ready", timeout=5).status_code == 200, 300, "the product")
        yield url, process, log_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


class Traffic:
    """Searches submitted one after another from a thread; remembers which ones were acknowledged."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acknowledged: list[str] = []
        self.statuses: list[int] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                response = requests.post(
                    f"{self.url}/api/v2/searches",
                    json={"query": f"breast cancer tamoxifen {uuid.uuid4().hex[:10]}"},
                    timeout=60,
                )
            except requests.RequestException:
                continue
            self.statuses.append(response.status_code)
            if response.status_code == 202:
                self.acknowledged.append(response.json()["id"])
            self.stopped.wait(0.2)


def test_killing_the_primary_mid_traffic_the_product_is_back_on_the_promoted_replica_within_30_s(
    redis_set: RedisSet, product: tuple[str, subprocess.Popen[bytes], Path]
) -> None:
    url, process, log_path = product
    tail = lambda: log_path.read_text(errors="replace")[-4000:]  # noqa: E731
    traffic = Traffic(url)
    traffic.thread.start()
    _wait(lambda: len(traffic.acknowledged) >= 5, 60, "searches before the failover")
    watched = requests.post(f"{url}/api/v2/searches", json={"query": "psoriasis keratinocytes"}, timeout=30)
    assert watched.status_code == 202
    events_path = watched.json()["links"]["events"]
    before = len(traffic.acknowledged)

    redis_set.kill_primary()
    killed_at = time.monotonic()
    _wait(
        lambda: redis_set.master_port() == redis_set.replica,
        FAILOVER_BUDGET,
        "the Sentinels to promote the replica",
    )

    def a_new_search_completes() -> bool:
        created = requests.post(
            f"{url}/api/v2/searches", json={"query": f"lupus nephritis {uuid.uuid4().hex[:10]}"}, timeout=30
        )
        return (
            created.status_code == 202
            and wait_for(url, created.json()["id"], timeout=15)["status"] == "completed"
        )

    _wait(a_new_search_completes, FAILOVER_BUDGET, "a search to complete after the failover")
    back_after = time.monotonic() - killed_at
    assert back_after < FAILOVER_BUDGET, (back_after, tail())
    _wait(lambda: len(traffic.acknowledged) >= before + 5, 60, "searches after the failover")
    traffic.stopped.set()
    traffic.thread.join(90)

    # Nothing the API acknowledged is lost: every 202 search completes on the promoted replica.
    for search_id in traffic.acknowledged:
        assert wait_for(url, search_id, timeout=60)["status"] == "completed", (search_id, tail())
    assert 500 not in traffic.statuses, (traffic.statuses, tail())
    # The socket resumes: from the start, every event in order, ending with completed.
    events, close_code = read_events(connect(url.replace("http", "ws"), events_path, after=0, timeout=60))
    assert close_code == 1000 and events[-1]["type"] == "completed"
    assert_contiguous(events)
    assert process.poll() is None  # never restarted
    assert requests.get(f"{url}/health/ready", timeout=10).status_code == 200
    print(
        f"back on the promoted replica {back_after:.1f} s after the primary was killed; "
        f"{len(traffic.acknowledged)} searches acknowledged, all completed; "
        f"statuses {sorted(set(traffic.statuses))}"
    )
