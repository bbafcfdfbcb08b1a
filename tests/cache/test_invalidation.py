"""Invalidation across two processes sharing one Redis and one data directory: manual (by
query, by prefix, all), event (corpus version change) and time (TTL)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from omics.cache import CacheSystem, Selector
from omics.search.request import SearchRequest

MakeSystem = Callable[..., CacheSystem]
REPOSITORY = Path(__file__).resolve().parents[2]


class Peer:
    """The other process: sends one command, reads its one-line answer."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def ask(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def lookup_until(self, query: str, expected: str, seconds: float = 5.0) -> str:
        """The peer's answer once it equals ``expected`` (pub/sub is asynchronous), or the last."""
        deadline = time.monotonic() + seconds
        answer = self.ask(f"lookup {query}")
        while answer != expected and time.monotonic() < deadline:
            time.sleep(0.05)
            answer = self.ask(f"lookup {query}")
        return answer


@pytest.fixture
def peer(redis_url: str, namespace: str, tmp_path: Path) -> Iterator[Peer]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.cache.peer", redis_url, str(tmp_path), namespace, "1"],
        cwd=REPOSITORY,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    other = Peer(process)
    assert other.ask("ready") == "ready"
    yield other
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=10)


def _warm_both(system: CacheSystem, peer: Peer, *queries: str) -> None:
    for query in queries:
        assert peer.ask(f"store {query}") == "stored"
        assert peer.ask(f"lookup {query}") == "l1"
        assert system.lookup(SearchRequest(query), 1).tier in ("l1", "l2")
        assert system.lookup(SearchRequest(query), 1).tier == "l1"


def test_invalidating_one_query_clears_it_in_the_other_process(make_system: MakeSystem, peer: Peer) -> None:
    system = make_system()
    _warm_both(system, peer, "breast cancer", "breast cancer tamoxifen")

    removed = system.invalidate(Selector.parse("query", "  Breast CANCER"))
    assert removed["l1"] == 1 and removed["l2"] == 1 and removed["l3"] == 1
    assert removed["processes_notified"] == 2
    assert peer.lookup_until("breast cancer", "miss") == "miss"
    assert system.lookup(SearchRequest("breast cancer"), 1).entry is None
    assert peer.ask("lookup breast cancer tamoxifen") == "l1"  # a longer query is another search


def test_invalidating_a_prefix_clears_every_matching_query_everywhere(
    make_system: MakeSystem, peer: Peer
) -> None:
    system = make_system()
    _warm_both(system, peer, "breast cancer", "breast cancer tamoxifen", "prostate cancer")

    removed = system.invalidate(Selector.parse("prefix", "breast"))
    assert removed["l2"] == 2 and removed["l3"] == 2
    assert peer.lookup_until("breast cancer tamoxifen", "miss") == "miss"
    assert peer.ask("lookup breast cancer") == "miss"
    assert peer.ask("lookup prostate cancer") == "l1"
    assert system.lookup(SearchRequest("prostate cancer"), 1).tier == "l1"


def test_invalidating_all_empties_every_tier_of_every_process(make_system: MakeSystem, peer: Peer) -> None:
    system = make_system()
    _warm_both(system, peer, "asthma", "copd")
    system.invalidate(Selector("all"))
    assert peer.lookup_until("asthma", "miss") == "miss"
    assert peer.ask("lookup copd") == "miss"
    assert system.lookup(SearchRequest("copd"), 1).entry is None


def test_a_corpus_version_change_clears_the_other_process_too(make_system: MakeSystem, peer: Peer) -> None:
    system = make_system()
    _warm_both(system, peer, "lupus")
    system.corpus_changed(2)
    assert peer.lookup_until("lupus", "miss") == "miss"  # its L1 held a version-1 entry


def test_a_query_holding_nul_characters_never_breaks_invalidation(make_system: MakeSystem) -> None:
    # Anyone may search for any text; one such search cached must not make every later
    # corpus change (an ingestion's refresh step) fail.
    system = make_system()
    strange, plain = SearchRequest("\x00\x92 asthma\x00v1:x"), SearchRequest("asthma")
    system.store(strange, 1, {"query": strange.query})
    system.store(plain, 1, {"query": "asthma"})
    system.corpus_changed(2)
    assert system.lookup(strange, 1).entry is None and system.lookup(plain, 1).entry is None
    system.store(strange, 2, {"query": strange.query})
    system.invalidate(Selector("query", strange.query))
    assert system.lookup(strange, 2).entry is None


def test_entries_expire_by_ttl_in_each_tier(make_system: MakeSystem) -> None:
    system = make_system(l1_ttl=1, l2_ttl=1, l3_ttl=2)
    request = SearchRequest("psoriasis")
    system.store(request, 1, {"query": "psoriasis"})
    assert system.lookup(request, 1).tier == "l1"
    time.sleep(1.2)
    system.cache.remove(Selector("all"), ["l1"])  # a promotion would otherwise refresh L1
    assert system.lookup(request, 1).tier == "l3"
    time.sleep(1.2)
    system.cache.remove(Selector("all"), ["l1", "l2"])
    assert system.lookup(request, 1).entry is None


def test_bad_invalidation_input_is_rejected() -> None:
    with pytest.raises(ValueError):
        Selector.parse("query", "   ")
    with pytest.raises(ValueError):
        Selector.parse("everything")
