"""A web service of several gunicorn workers reports its figures once, not once per worker.

Requests spread over the workers of one ``python app.py web``; every scrape, whichever worker
answers it, counts all of them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from omics.config import REPOSITORY_ROOT
from tests.processes import Processes, free_port
from tests.services.test_service_metrics import samples

pytestmark = [pytest.mark.system, pytest.mark.timeout(600)]

REQUESTS = 120
LIVE = ("omics_http_requests_total", (("endpoint", "health.live"), ("method", "GET"), ("status", "200")))


@pytest.fixture
def web(tmp_path: Path, redis_url: str) -> Iterator[str]:
    port = free_port()
    processes = Processes(
        tmp_path / "logs", {**os.environ, "REDIS_URL": redis_url, "OMICS_DATA_DIR": str(tmp_path / "data")}
    )
    processes.start(
        "web", "web", "--port", str(port), "--workers", "3", "--worker-class", "gthread", cwd=REPOSITORY_ROOT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        processes.wait_ready(url, time.monotonic() + 300, "web", probe="/health/live")  # no worker here
        yield url
    finally:
        processes.stop()


def _live(url: str) -> int:
    with requests.Session() as fresh:  # a connection of its own: the next worker may accept it
        return fresh.get(f"{url}/health/live", timeout=30).status_code


def _scrape(url: str) -> float:
    return samples(requests.get(f"{url}/metrics", timeout=30).text).get(LIVE, 0.0)


def test_every_scrape_counts_the_requests_of_every_worker(web: str) -> None:
    before = _scrape(web)  # the readiness probes so far
    with ThreadPoolExecutor(12) as pool:
        assert set(pool.map(lambda _: _live(web), range(REQUESTS))) == {200}
    scraped = [_scrape(web) for _ in range(12)]
    assert scraped == [before + REQUESTS] * len(scraped), scraped
