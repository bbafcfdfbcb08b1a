"""Redis faults, measured (docs/RELIABILITY.md): searches surviving a crash of the embedded
Redis, and how soon ``/health/ready`` follows Redis back.

    python bench/redis_faults.py [--searches 100] [--trials 5]

1. The all-in-one run's embedded Redis (append-only): complete N searches, SIGKILL the Redis
   server a little over a second later (no shutdown save), start it again; count the searches
   that still answer 200 (and, for contrast, how many a Redis without persistence keeps: 410).
2. A Redis server stopped for 3 s then started again, with an app and a worker on it: seconds
   from Redis answering to ``/health/ready`` answering 200, per trial.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from celery.contrib.testing.worker import start_worker  # noqa: E402

from app import create_app  # noqa: E402
from omics.config import LoadSettings, SecuritySettings, Settings  # noqa: E402
from omics.connections import start_embedded_redis, stop_embedded_redis  # noqa: E402
from omics.connections.embedded import embedded_server_record  # noqa: E402
from omics.runtime import shared_engine  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402


def _settings(data_dir: Path, redis_url: str | None) -> Settings:
    return Settings(
        data_dir=data_dir,
        redis_url=redis_url,
        secret_key="bench-redis-faults",
        security=SecuritySettings(rate_limit_anonymous="10000000/minute"),
        load=LoadSettings(
            max_searches_in_flight=100000, max_queue_backlog=100000
        ),  # one client, many searches
    )


def _until(condition: Any, seconds: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise RuntimeError(f"not within {seconds} s")
        time.sleep(0.02)
    return time.monotonic() - started


def _complete(client: Any, searches: int) -> list[str]:
    ids = [
        client.post("/api/v2/searches", json={"query": f"asthma airway {n}"}).get_json()["id"]
        for n in range(searches)
    ]
    for search_id in ids:
        _until(
            lambda sid=search_id: client.get(f"/api/v2/searches/{sid}").get_json()["status"] == "completed",
            120,
        )
    return ids


def survival(data_dir: Path, searches: int) -> None:
    url = start_embedded_redis(data_dir)
    settings = _settings(data_dir, None)
    shared_engine(settings)
    app = create_app(settings)
    client = app.test_client()
    with start_worker(
        app.extensions["omics"].celery, pool="threads", concurrency=4, perform_ping_check=False
    ):
        ids = _complete(client, searches)
    time.sleep(1.2)  # the append-only file is fsynced every second
    record = embedded_server_record(data_dir)
    assert record is not None
    os.kill(record.pid, signal.SIGKILL)
    _until(
        lambda: (
            not Path(f"/proc/{record.pid}").exists()
            or "Z" in Path(f"/proc/{record.pid}/stat").read_text().split()[2]
        ),
        10,
    )
    assert start_embedded_redis(data_dir) == url
    kept = sum(client.get(f"/api/v2/searches/{sid}").status_code == 200 for sid in ids)
    print(f"embedded Redis (append-only) SIGKILLed and restarted: {kept}/{searches} searches answer 200")
    stop_embedded_redis(data_dir)

    with RedisServer() as server:
        app = create_app(_settings(data_dir, server.url))
        client = app.test_client()
        with start_worker(
            app.extensions["omics"].celery, pool="threads", concurrency=4, perform_ping_check=False
        ):
            ids = _complete(client, searches)
        server.stop()
        server.start()
        gone = sum(client.get(f"/api/v2/searches/{sid}").status_code == 410 for sid in ids)
        print(f"Redis without persistence restarted: {gone}/{searches} searches answer 410 search_gone")


def readiness(data_dir: Path, trials: int) -> None:
    delays = []
    with RedisServer() as server:
        app = create_app(_settings(data_dir, server.url))
        client = app.test_client()
        with start_worker(
            app.extensions["omics"].celery, pool="threads", concurrency=1, perform_ping_check=False
        ):
            _until(lambda: client.get("/health/ready").status_code == 200, 60)
            for _ in range(trials):
                server.stop()
                _until(lambda: client.get("/health/ready").status_code == 503, 10)
                time.sleep(3)
                server.start()
                delays.append(_until(lambda: client.get("/health/ready").status_code == 200, 60))
    shown = ", ".join(f"{delay:.2f}" for delay in delays)
    print(f"/health/ready 200 again after a 3 s outage: median {statistics.median(delays):.2f} s ({shown})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="omics-faults-"))
    survival(data_dir, args.searches)
    readiness(data_dir, args.trials)


if __name__ == "__main__":
    main()
