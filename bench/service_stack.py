"""A scaled-deployment stack for the service benchmarks: Redis, one Celery worker, one web role.

Each role runs as its own process exactly as documented (``python app.py worker`` and
``python app.py web``), against ``REDIS_URL`` if set, else an embedded Redis started here.
Rate limits are lifted for the run (the benchmarks are one client making many requests).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import requests

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from omics.connections.redis import start_embedded_redis  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str, timeout: float = 120, path: str = "/health/ready") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}{path}", timeout=60).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not become ready in {timeout}s")


@contextmanager
def stack(
    worker_class: str = "gevent", threads: int = 64, data_dir: Path | None = None
) -> Iterator[dict[str, str]]:
    """Start the roles; yield ``{"url", "ws_url", "redis_url", "data_dir"}``; stop them after."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="omics-bench-"))
    redis_url = os.environ.get("REDIS_URL") or start_embedded_redis(data_dir)
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "OMICS_DATA_DIR": str(data_dir),
        "OMICS_RATE_LIMIT_ANONYMOUS": "10000000/minute",
        "OMICS_RATE_LIMIT_USER": "10000000/minute",
        "OMICS_WS_MAX_PER_IP": "100000",  # the benchmarks' watchers all come from one address
        # gthread runs get as many threads as watchers (+16): keep 16 of them for HTTP, not 200.
        "OMICS_WEB_HEADROOM": os.environ.get("OMICS_WEB_HEADROOM", "16"),
    }
    logs = open(data_dir / "bench-roles.log", "w")  # noqa: SIM115  (closed below, after the roles)
    roles = [
        subprocess.Popen(
            [sys.executable, "app.py", "worker"],
            cwd=REPOSITORY,
            env=env,
            stdout=logs,
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "app.py",
                "web",
                "--port",
                str(port),
                "--workers",
                "1",
                "--worker-class",
                worker_class,
                "--threads",
                str(threads),
            ],
            cwd=REPOSITORY,
            env=env,
            stdout=logs,
            stderr=subprocess.STDOUT,
        ),
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url)
        yield {
            "url": url,
            "ws_url": f"ws://127.0.0.1:{port}",
            "redis_url": redis_url,
            "data_dir": str(data_dir),
            "web_pid": str(roles[1].pid),
        }
    finally:
        for role in roles:
            role.terminate()
        for role in roles:
            try:
                role.wait(20)
            except subprocess.TimeoutExpired:
                role.kill()
        logs.close()


def median_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return value * 1000


def percentile_ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def web_memory_mb(web_pid: str) -> float:
    """Resident memory of the web role: the gunicorn master and its workers, in MB."""
    master = psutil.Process(int(web_pid))
    return sum(process.memory_info().rss for process in [master, *master.children(recursive=True)]) / 2**20
