"""Per-search cost as the L3 cache grows (issue 10, item 17): 10,000 searches, first 1,000 vs last 1,000.

Runs ``--searches`` distinct searches (one query, a different ``max_samples`` filter each, so
every one is a miss that runs the engine and is written to every cache tier) through the real
search task, called in this process (``Task.apply``: the task's own code, no broker between),
on a fresh data directory whose L3 starts empty and is allowed to grow (its bound is set above
what the run writes). For each search it records:

- to completion: from the task's start to the ``emitted_at`` of the search's terminal event,
  what a watcher waits for;
- task: the whole task, including any cache write after the announcement (the worker's cost);
- outside the engine: the task minus the engine's own search (timed around
  ``SearchEngine.search``): the lifecycle, the stored result and the cache writes, the part
  that could grow with the cache. The engine's time is independent of the cache and swings
  with the machine's load (two cores shared), so this is the figure to read for growth.

Then it times the L3 write itself (``SqliteTier.put`` of one completed search's entry, the
median of 200) on an empty L3 and on the L3 the run left behind. Every figure is printed with
its ratio, measured in this one run, so the machine's load cancels out.

Each search's Redis keys are deleted once measured (Redis stays small; the L3 is what grows).
Redis: ``REDIS_URL`` if set, else an embedded server in the temporary data directory.

Usage: python bench/l3_growth.py [--searches 10000] [--window 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from omics.cache.entry import CacheEntry
from omics.cache.system import L3_FILE
from omics.cache.tiers import SqliteTier
from omics.config import CacheSettings, ServiceSettings, Settings
from omics.realtime.keys import ledger_key, results_key, state_key, stream_key
from omics.search.request import SearchFilters, SearchRequest
from tasks.celery_app import create_celery

QUERY = "asthma"
WRITE_SAMPLES = 200


def l3_write_ms(path: Path, first: int) -> float:
    """Median milliseconds of one L3 write (a completed search's entry) on the file at ``path``."""
    tier = SqliteTier(path, ttl=7 * 86400, max_entries=10**7)
    payload = '{"search_id": "0" , "owner": null, "response": null}'
    timings = []
    for number in range(first, first + WRITE_SAMPLES):
        entry = CacheEntry(f"v0:bench-{number}", f"bench {number}", 0, payload, time.time())
        started = time.perf_counter()
        tier.put(entry)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def rows(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM cache_entries").fetchone()[0])


def run(searches: int, window: int, data_dir: Path) -> None:
    settings = Settings(
        data_dir=data_dir,
        redis_url=os.environ.get("REDIS_URL") or None,
        secret_key="bench",
        cache=CacheSettings(l3_max_entries=10**7, l2_ttl=120),
        service=ServiceSettings(search_ttl=120),
    )
    celery = create_celery(settings)
    services, task = celery.services, celery.tasks["omics.search"]
    assert services.engine.vocabulary is not None  # load (or build) the index before timing anything
    l3 = data_dir / L3_FILE
    empty_write = l3_write_ms(l3, 0)

    to_completion: list[float] = []
    task_time: list[float] = []
    engine_time: list[float] = []
    search = services.engine.search

    def timed_search(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return search(*args, **kwargs)
        finally:
            engine_time.append(time.perf_counter() - started)

    services.engine.search = timed_search  # type: ignore[method-assign]  # timing only
    started_run = time.monotonic()
    for number in range(searches):
        request = SearchRequest(QUERY, filters=SearchFilters(max_samples=10**6 + number))
        search_id = services.lifecycle.start(request, None)
        started = time.time()
        assert task.apply(args=[search_id]).get() == "completed"
        task_time.append(time.time() - started)
        terminal = services.events.replay(search_id)[-1][1]
        to_completion.append(float(terminal.split('"emitted_at":', 1)[1].split(",", 1)[0]) - started)
        services.redis.delete(
            state_key(search_id), results_key(search_id), stream_key(search_id), ledger_key(search_id)
        )
        if (number + 1) % 1000 == 0:
            print(f"  {number + 1} searches, {time.monotonic() - started_run:.0f}s", flush=True)
    full_write = l3_write_ms(l3, 10**6)

    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    print(f"\n{searches} searches; L3 rows at the end: {rows(l3)}")
    print(f"{'median':<36}{'first ' + str(window):>12}{'last ' + str(window):>12}{'ratio':>8}")
    outside = [total - engine for total, engine in zip(task_time, engine_time, strict=True)]
    for name, values in (
        ("search to completion event (ms)", to_completion),
        ("whole task (ms)", task_time),
        ("  of which the engine (ms)", engine_time),
        ("  of which outside the engine (ms)", outside),
    ):
        first, last = ms(values[:window]), ms(values[-window:])
        print(f"{name:<36}{first:>12.2f}{last:>12.2f}{last / first:>8.2f}")
    name = "L3 write (ms), empty vs after run"
    print(f"{name:<36}{empty_write:>12.3f}{full_write:>12.3f}{full_write / empty_write:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="omics-l3-growth-") as data_dir:
        run(args.searches, args.window, Path(data_dir))


if __name__ == "__main__":
    main()
