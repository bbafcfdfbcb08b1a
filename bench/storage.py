"""Redis bytes one search keeps for its lifetime (``OMICS_SEARCH_TTL``), by key, in both layouts
(and the time to read one page, which renders its results from the engine's records).

Runs ``--searches`` researcher-style searches the way the search task does (stored, each stage
reported as an event, completed with its document), reads the first two pages as a user
paging through would, and sums ``MEMORY USAGE`` of the search's keys: the state hash, the
result rows (list layout) or the packed results (``OMICS_COMPACT_RESULTS=1``), and the event
stream with its ledger. Both layouts are measured in one run, so the ratio is not noise.

Usage: REDIS_URL=redis://127.0.0.1:6379/N python bench/storage.py [--searches 50]
(without REDIS_URL an embedded Redis in a temporary directory is used)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cache_replay import SEARCHES
from omics.config import Settings
from omics.connections.redis import resolve_redis_url
from omics.runtime.search_services import SearchServices
from omics.search.outcome import Hit
from omics.search.presentation import completed_document, result_view
from omics.search.request import SearchRequest

KINDS = ("state", "results", "packed", "events", "emitted")


def _keys(services: SearchServices, search_id: str) -> dict[str, str]:
    """Every key of the search (they share its hash tag), named by suffix (the hash: "state")."""
    keys = {}
    for key in services.redis.scan_iter(match=f"omics:*{{{search_id}}}*", count=1000):
        suffix = key.rsplit("}", 1)[1].lstrip(":")
        keys[suffix or "state"] = key
    return keys


def run_one(services: SearchServices, query: str) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """One search as the task runs it, two pages read; bytes per key and the pages shown."""
    engine, lifecycle = services.engine, services.lifecycle
    request = SearchRequest(query=query, page_size=20)
    search_id = lifecycle.start(request, None, uuid.uuid4().hex)
    lifecycle.advance(search_id, "started", 0, {})
    outcome = engine.search(
        request, lambda stage, progress, detail: lifecycle.advance(search_id, stage, progress, detail)
    )
    lifecycle.complete(search_id, completed_document(engine, request, outcome))
    state = services.store.get(search_id)
    assert state is not None

    def materialise(hit: dict[str, Any]) -> dict[str, Any]:
        return result_view(engine, Hit(**hit))

    started = time.perf_counter()
    pages = services.store.page(state, 0, 20, materialise) + services.store.page(state, 20, 20, materialise)
    read_ms = (time.perf_counter() - started) * 1000 / 2
    keys = _keys(services, search_id)
    sizes = {
        kind: int(services.redis.memory_usage(keys[kind], samples=0) or 0) if kind in keys else 0
        for kind in KINDS
    }
    for key in keys.values():
        services.redis.delete(key)
    return {**sizes, "page read (ms)": read_ms}, pages


def measure(settings: Settings, redis_url: str, searches: int) -> tuple[dict[str, float], list[Any]]:
    services = SearchServices.build(settings, redis_url)
    per_key: dict[str, list[float]] = {}
    shown = []
    for query in (SEARCHES * (searches // len(SEARCHES) + 1))[:searches]:
        sizes, pages = run_one(services, query)
        shown.append(pages)
        for name, size in sizes.items():
            per_key.setdefault(name, []).append(size)
    return {name: statistics.mean(values) for name, values in per_key.items()}, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=50)
    args = parser.parse_args()
    data_dir = Path(os.environ.get("OMICS_DATA_DIR") or tempfile.mkdtemp(prefix="omics-storage-"))
    settings = Settings(data_dir=data_dir, redis_url=os.environ.get("REDIS_URL") or None, secret_key="bench")
    redis_url = resolve_redis_url(settings.redis_url, settings.data_dir)
    results = {}
    shown = {}
    for name, compact in (("list rows (default)", 0), ("packed (OMICS_COMPACT_RESULTS=1)", 1)):
        layout = (
            replace(settings, load=replace(settings.load, compact_results=compact))
            if hasattr(settings, "load")
            else settings
        )
        results[name], shown[name] = measure(layout, redis_url, args.searches)
    print(f"{args.searches} searches, mean bytes per search kept in Redis (MEMORY USAGE):")
    names = list(results)
    print(f"{'key':<10}" + "".join(f"{name:>36}" for name in names))
    for key in results[names[0]]:
        if key not in KINDS:
            continue
        print(f"{key:<10}" + "".join(f"{results[name][key]:>36,.0f}" for name in names))
    totals = {name: sum(v for key, v in values.items() if key in KINDS) for name, values in results.items()}
    print(f"{'total':<10}" + "".join(f"{totals[name]:>36,.0f}" for name in names))
    print(f"packed / list: {totals[names[1]] / totals[names[0]]:.3f}")
    reads = "  ".join(f"{name}: {results[name]['page read (ms)']:.1f} ms" for name in names)
    print(f"mean time to read one 20-result page: {reads}")
    print(f"pages identical in both layouts: {shown[names[0]] == shown[names[1]]}")


if __name__ == "__main__":
    main()
