"""The search page when the service loses a search with Redis's data (issue 10, item 18): it
submits the same search again by itself, and the reader gets results, not an error.

The page's server has a Redis of this test alone and no worker until the test starts one (a
process), so the search is still queued when its data is flushed.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis

from omics.config import REPOSITORY_ROOT, Settings
from tests.browser.conftest import Browser, browser_session
from tests.live_server import LiveServer
from tests.processes import Processes, data_dir_with_built_artefacts
from tests.redis_server import RedisServer

pytestmark = pytest.mark.system

SEARCH_STATES = "omics:search:{*}"


@pytest.fixture
def lossy_site(settings: Settings, engine: Any) -> Iterator[tuple[LiveServer, RedisServer, Any]]:
    from app import create_app

    with RedisServer() as server:
        app = create_app(replace(settings, redis_url=server.url))
        with LiveServer(app) as live:
            yield live, server, app


@pytest.fixture
def lossy_browser(
    request: pytest.FixtureRequest, lossy_site: tuple[LiveServer, RedisServer, Any], tmp_path: Path
) -> Iterator[Browser]:
    yield from browser_session(request, lossy_site[0], tmp_path, 1280)


def _stored(client: redis.Redis, timeout: float = 20) -> set[str]:
    deadline = time.monotonic() + timeout
    while not (found := {str(key) for key in client.scan_iter(SEARCH_STATES)}):
        assert time.monotonic() < deadline, "the page stored no search"
        time.sleep(0.1)
    return found


def test_the_page_submits_a_search_the_service_lost_again_by_itself(
    lossy_browser: Browser,
    lossy_site: tuple[LiveServer, RedisServer, Any],
    settings: Settings,
    tmp_path: Path,
) -> None:
    _live, server, _app = lossy_site
    client = redis.Redis.from_url(server.url, decode_responses=True)
    # A bound no series reaches keeps this search out of every cache (the data directory's L3
    # is the session's): it must be computed, so it is still queued when Redis is flushed.
    lossy_browser.open(f"/?q=asthma+airway&max={random.randrange(10**6, 10**7)}")
    first = _stored(client)
    lossy_browser.visible("#progress")

    client.flushall()  # Redis loses its data; the page's socket stays open
    again = _stored(client)  # the socket is closed with search_gone, and the page resubmits
    assert again and not again & first

    # A worker of its own as a process: stopping an in-process test worker would also stop
    # the session's (celery.contrib.testing sets a process-wide flag), failing later tests.
    worker = Processes(
        tmp_path / "logs",
        {
            **os.environ,
            "REDIS_URL": server.url,
            "OMICS_DATA_DIR": str(data_dir_with_built_artefacts(settings.data_dir, tmp_path / "data")),
            "OMICS_SECRET_KEY": settings.secret_key,  # the ids the web process signed
        },
    )
    worker.start("worker", "worker", "--pool", "threads", "--queues", "search", cwd=REPOSITORY_ROOT)
    try:
        results = lossy_browser.wait_for_results()
    finally:
        worker.stop()
    assert results and "asthma" in lossy_browser.css("#summary").text
    assert lossy_browser.css("#message").text == ""
    lossy_browser.screenshot("resubmitted")
