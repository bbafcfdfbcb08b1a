"""The cache package on its own, over a real Redis and a real SQLite file: keys, promotion,
eviction, durability across a Redis flush, version invalidation, analytics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis

from omics.cache import CacheSystem, Selector, cache_key
from omics.search.request import SearchFilters, SearchRequest

MakeSystem = Callable[..., CacheSystem]


def _document(query: str, accessions: list[str]) -> dict[str, Any]:
    return {"query": query, "results": [{"accession": a} for a in accessions]}


def test_spellings_of_one_search_share_a_key_and_the_version_changes_it() -> None:
    a = SearchRequest("  Breast   Cancer ", filters=SearchFilters(organisms=("Mus musculus", "Homo sapiens")))
    b = SearchRequest("breast cancer", filters=SearchFilters(organisms=("Homo sapiens", "Mus musculus")))
    assert cache_key(a, 3) == cache_key(b, 3)
    assert cache_key(a, 3) != cache_key(a, 4)
    assert cache_key(a, 3) != cache_key(SearchRequest("breast cancer", page_size=50), 3)
    assert cache_key(SearchRequest("x", sort="sample_count"), 1) != cache_key(SearchRequest("x"), 1)


def test_requests_the_parser_reads_differently_never_share_a_key() -> None:
    """Folding before parsing once merged an exclusion with free text, and ASCII with fullwidth."""
    for mine, theirs in (
        ("liver NOT mouse", "liver not mouse"),
        ("liver -mouse", "liver \uff0dmouse"),
        ('"breast cancer" tumour', "\uff02breast cancer\uff02 tumour"),
        ("ALL blasts", "all blasts"),  # an acronym the vocabulary reads by its capitals
    ):
        assert cache_key(SearchRequest(mine), 1) != cache_key(SearchRequest(theirs), 1), (mine, theirs)
    assert cache_key(SearchRequest("liver NOT mouse"), 1) == cache_key(SearchRequest("Liver -Mouse"), 1)


def test_a_hit_in_a_lower_tier_is_promoted_to_every_tier_above(make_system: MakeSystem) -> None:
    system = make_system()
    request = SearchRequest("lung adenocarcinoma")
    system.store(request, 1, _document("lung adenocarcinoma", ["GSE1"]))
    system.cache.remove(Selector("all"), ["l1", "l2"])

    assert system.lookup(request, 1).tier == "l3"
    system.cache.remove(Selector("all"), ["l1"])
    assert system.lookup(request, 1).tier == "l2"
    found = system.lookup(request, 1)
    assert found.tier == "l1"
    assert found.entry is not None and found.entry.document()["results"] == [{"accession": "GSE1"}]

    tiers = system.stats.snapshot()["tiers"]
    assert tiers["l1"]["promotion"] == 2 and tiers["l2"]["promotion"] == 1
    assert (tiers["l3"]["hit"], tiers["l2"]["hit"], tiers["l1"]["hit"]) == (1, 1, 1)


def test_l3_answers_after_redis_is_flushed_and_the_process_restarted(
    make_system: MakeSystem, redis_url: str, namespace: str
) -> None:
    request = SearchRequest("asthma", filters=SearchFilters(min_samples=10))
    make_system().store(request, 7, _document("asthma", ["GSE9"]))
    client = redis.Redis.from_url(redis_url)
    client.delete(*client.scan_iter(f"{namespace}:entry:*"))

    restarted = make_system()
    found = restarted.lookup(request, 7)
    assert found.tier == "l3" and found.entry is not None
    assert found.entry.document()["results"] == [{"accession": "GSE9"}]
    assert restarted.lookup(SearchRequest("asthma"), 7).entry is None  # other filters: other search


def test_l1_is_bounded_counts_evictions_and_says_it_is_too_small(make_system: MakeSystem) -> None:
    system = make_system(l1_size=4)
    for number in range(30):
        system.store(SearchRequest(f"query {number}"), 1, _document(f"query {number}", []))
    assert len(system.cache.tier("l1")) == 4  # type: ignore[arg-type]
    snapshot = system.stats.snapshot()
    assert snapshot["tiers"]["l1"]["eviction"] == 26
    assert any("OMICS_CACHE_L1_SIZE" in advice for advice in snapshot["recommendations"])
    assert system.lookup(SearchRequest("query 0"), 1).tier == "l2"  # evicted from L1, not lost


def test_l3_is_bounded(make_system: MakeSystem) -> None:
    system = make_system(l3_max_entries=5)
    for number in range(8):
        system.store(SearchRequest(f"q{number}"), 1, _document("", []))
    system.cache.remove(Selector("all"), ["l1", "l2"])
    answered = [system.lookup(SearchRequest(f"q{number}"), 1).tier for number in range(8)]
    assert answered == [None, None, None, "l3", "l3", "l3", "l3", "l3"]
    assert system.stats.snapshot()["tiers"]["l3"]["eviction"] == 3


def test_a_new_corpus_version_never_sees_old_entries_and_frees_them(make_system: MakeSystem) -> None:
    system = make_system()
    request = SearchRequest("glioblastoma")
    system.store(request, 1, _document("glioblastoma", ["GSE-old"]))
    assert system.lookup(request, 2).entry is None

    removed = system.corpus_changed(2)
    assert removed["l1"] == 1 and removed["l2"] == 1 and removed["l3"] == 1
    assert system.lookup(request, 1).entry is None


def test_stats_count_requests_and_rank_the_hottest_searches(make_system: MakeSystem) -> None:
    system = make_system()
    popular, rare = SearchRequest("Crohn disease"), SearchRequest("sepsis")
    system.store(popular, 1, _document("crohn disease", []))
    for _ in range(5):
        system.lookup(popular, 1)
    system.lookup(rare, 1)
    snapshot = system.stats.snapshot()
    assert snapshot["overall"] == {"requests": 6, "hits": 5, "misses": 1, "hit_ratio": round(5 / 6, 4)}
    assert [item["request"]["query"] for item in snapshot["hottest"]] == ["crohn disease", "sepsis"]
    assert snapshot["hottest"][0]["count"] == 5
    assert snapshot["tiers"]["l1"]["mean_latency_ms"] > 0
