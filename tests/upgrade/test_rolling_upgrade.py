"""A rolling upgrade: the previous release and this code serve side by side, then the old stops.

The previous release is the last commit in ``RELEASES``, checked out as a git worktree. Its
web process and worker run beside this code's against one Redis, one database and one data
directory, as two generations of a deployment do during a rolling deploy. Searches submitted
to either are completed by either worker, read and watched from either web process, and a
repeat on the other generation is served from the shared cache with the same results. Then
the old generation stops while searches are in flight, and none is lost.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from omics.config import REPOSITORY_ROOT
from tests.processes import Processes, free_port
from tests.service_clients import assert_contiguous, connect, read_events, wait_for

pytestmark = [pytest.mark.system, pytest.mark.timeout(900)]

TOPICS = (
    "asthma airway epithelium",
    "psoriasis skin lesions",
    "sepsis whole blood",
    "glioblastoma stem cells",
)
IN_FLIGHT = (
    "crohn disease ileum",
    "lupus nephritis kidney",
    "osteoarthritis cartilage",
    "melanoma metastasis",
)


def previous_release() -> str:
    """The last commit recorded in RELEASES (the release this code must run beside)."""
    lines = [
        line.split()[0] for line in (REPOSITORY_ROOT / "RELEASES").read_text().splitlines() if line.strip()
    ]
    return lines[-1]


@pytest.fixture
def previous_tree(tmp_path: Path) -> Iterator[Path]:
    tree = tmp_path / "previous"
    git = ["git", "-C", str(REPOSITORY_ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", str(tree), previous_release()], check=True)
    yield tree
    subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)


class Generations(Processes):
    """The old and the new generation's web and worker processes over shared state."""

    def __init__(self, tmp_path: Path, redis_url: str, previous: Path) -> None:
        self.previous = previous
        self.ports = {"old": free_port(), "new": free_port()}
        data = tmp_path / "shared-data"
        super().__init__(
            tmp_path / "logs",
            {
                **os.environ,
                "REDIS_URL": redis_url,
                "OMICS_DATA_DIR": str(data),
                "DATABASE_URL": f"sqlite:///{data / 'omics.sqlite3'}",
                "OMICS_SECRET_KEY": "rolling-upgrade-shared-secret",
                "OMICS_JWT_SECRET": "rolling-upgrade-shared-jwt-secret",
                "OMICS_RATE_LIMIT_ANONYMOUS": "100000/minute",
                "OMICS_WORKER_CONCURRENCY": "2",
                "WEB_CONCURRENCY": "1",
            },
        )

    def start_generation(self, generation: str) -> None:
        tree = self.previous if generation == "old" else REPOSITORY_ROOT
        port = str(self.ports[generation])
        self.start(f"{generation}-web", "web", "--port", port, "--workers", "1", cwd=tree)
        self.start(f"{generation}-worker", "worker", "--pool", "threads", cwd=tree)

    def url(self, generation: str) -> str:
        return f"http://127.0.0.1:{self.ports[generation]}"

    def ws_url(self, generation: str) -> str:
        return f"ws://127.0.0.1:{self.ports[generation]}"


@pytest.fixture
def generations(
    tmp_path: Path, redis_url: str, redis_client: Any, previous_tree: Path
) -> Iterator[Generations]:
    # The shared state starts empty, as a fresh deployment's does (key by key: the embedded
    # Redis refuses FLUSHDB, see docs/SECURITY.md).
    for key in redis_client.scan_iter(count=1000):
        redis_client.delete(key)
    both = Generations(tmp_path, redis_url, previous_tree)
    yield both
    both.stop()


def _submit(base: str, query: str) -> dict[str, Any]:
    response = requests.post(f"{base}/api/v2/searches", json={"query": query, "page_size": 10}, timeout=30)
    assert response.status_code in (200, 202), response.text
    body: dict[str, Any] = response.json()
    return body


def _accessions(page: dict[str, Any]) -> list[str]:
    return [result["accession"] for result in page["results"]]


def _watch(generations: Generations, generation: str, events_path: str) -> list[dict[str, Any]]:
    events, close_code = read_events(connect(generations.ws_url(generation), events_path, timeout=60))
    assert close_code == 1000, f"{generation} closed the socket with {close_code}: {events[-3:]}"
    assert_contiguous(events)
    assert events[-1]["type"] == "completed"
    return events


def test_old_and_new_serve_side_by_side_and_the_old_stops_without_losing_work(
    generations: Generations,
) -> None:
    deadline = time.monotonic() + 300
    for generation in ("old", "new"):  # one after the other: the old web builds its index within 60 s
        generations.start_generation(generation)
        generations.wait_ready(generations.url(generation), deadline, f"{generation}-web")

    origins = dict(zip(TOPICS, ("old", "new", "old", "new"), strict=True))
    submitted = {topic: _submit(generations.url(origin), topic) for topic, origin in origins.items()}
    for topic, search in submitted.items():
        origin = origins[topic]
        pages = {
            reader: wait_for(generations.url(reader), search["id"], timeout=120) for reader in ("old", "new")
        }
        assert pages["old"]["status"] == pages["new"]["status"] == "completed", (origin, pages)
        assert _accessions(pages["old"]) == _accessions(pages["new"]) != []
        sequences = [_watch(generations, reader, search["links"]["events"]) for reader in ("old", "new")]
        assert [event["seq"] for event in sequences[0]] == [event["seq"] for event in sequences[1]]

    for topic, search in submitted.items():
        # A repeat on the other generation is served from the shared cache when both releases
        # derive the same cache key, and then with the same results; a release that changed
        # what a query means (its key) searches again. Either way the repeat completes.
        origin = origins[topic]
        other = "new" if origin == "old" else "old"
        repeat = requests.post(
            f"{generations.url(other)}/api/v2/searches", json={"query": topic, "page_size": 10}, timeout=30
        )
        assert repeat.status_code in (200, 202), repeat.text
        first = wait_for(generations.url(origin), search["id"])
        again = wait_for(generations.url(other), repeat.json()["id"], timeout=60)
        assert again["status"] == "completed"
        if repeat.headers.get("X-Cache", "miss") != "miss":
            assert _accessions(again) == _accessions(first)

    for generation in ("old", "new"):
        v1 = requests.get(f"{generations.url(generation)}/api/v1/search", params={"q": TOPICS[0]}, timeout=60)
        assert v1.status_code == 200 and v1.json()["results"], v1.text

    in_flight = [
        (origin, _submit(generations.url(origin), topic))
        for origin, topic in zip(("old", "new", "old", "new"), IN_FLIGHT, strict=True)
    ]
    generations.stop("old-web", "old-worker")
    for origin, search in in_flight:
        page = wait_for(generations.url("new"), search["id"], timeout=120)
        assert page["status"] == "completed", (origin, page)
        _watch(generations, "new", search["links"]["events"])
