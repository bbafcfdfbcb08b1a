"""Single flight under concurrency, and a Redis outage that degrades to L1/L3 without ever
answering with the wrong search."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from omics.cache import CacheSystem, Selector
from omics.search.request import SearchRequest
from tests.redis_server import RedisServer

MakeSystem = Callable[..., CacheSystem]


def test_concurrent_identical_searches_share_one_flight(make_system: MakeSystem) -> None:
    system = make_system()
    barrier = threading.Barrier(16)
    outcomes: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def submit() -> None:
        barrier.wait()
        outcome = system.flights.claim("v1:samekey", uuid.uuid4().hex)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=submit) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    owners = [search_id for search_id, started in outcomes if started]
    assert len(owners) == 1
    assert {search_id for search_id, _ in outcomes} == {owners[0]}

    assert not system.flights.release("someone-else")  # only the owner ends it
    assert system.flights.current("v1:samekey") == owners[0]
    assert system.flights.release(owners[0])
    assert not system.flights.release(owners[0])
    assert system.flights.claim("v1:samekey", "next") == ("next", True)


@pytest.fixture
def doomed_redis() -> Iterator[RedisServer]:
    """A Redis server of this test alone, so the test can kill it."""
    with RedisServer() as server:
        yield server


def test_a_redis_outage_falls_back_to_l1_and_l3_without_wrong_answers(
    make_system: MakeSystem, doomed_redis: RedisServer
) -> None:
    system = make_system(doomed_redis.url)
    kept, other = SearchRequest("rheumatoid arthritis"), SearchRequest("osteoarthritis")
    system.store(kept, 1, {"query": "rheumatoid arthritis", "results": ["GSE1"]})
    system.store(other, 1, {"query": "osteoarthritis", "results": ["GSE2"]})
    doomed_redis.stop()

    found = system.lookup(kept, 1)
    assert found.tier == "l1" and found.entry is not None
    assert found.entry.document()["results"] == ["GSE1"]

    system.cache.remove(Selector("all"), ["l1"])
    started = time.perf_counter()
    found = system.lookup(other, 1)
    assert found.tier == "l3" and found.entry is not None
    assert found.entry.document()["results"] == ["GSE2"]
    assert system.lookup(SearchRequest("gout"), 1).entry is None
    assert system.lookup(other, 2).entry is None  # a newer corpus is never answered from older entries
    assert time.perf_counter() - started < 1.0  # the dead tier is skipped, not waited on

    system.store(SearchRequest("gout"), 1, {"query": "gout"})  # writes survive too
    assert system.lookup(SearchRequest("gout"), 1).tier == "l1"
    assert system.stats.flush() is False  # counters are kept for when Redis returns
