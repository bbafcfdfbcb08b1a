"""CPU per search of the bench/scale.py mix in one process, per query: two trees compared query by query.

bench/peer.py's figures move with the machine's load; CPU time in one process, with each
tree run one after the other over the same data directory, is the steadier comparison of a
change's cost. Every other search carries the text task's filters, as in bench/scale.py; the
first page is shown as the API shows it (highlights and reasons).

    OMICS_INDEX_BACKEND=tantivy python bench/cpu_per_query.py --corpus C --data-dir D --searches 200

With ``--profile`` the same searches run again under cProfile, and the time spent inside the
shared index layer's own calls (tantivy's searches, aggregations and look-ups, native code
that no Python change can shorten) is printed apart from the rest, per search.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.evaluate import TEXT_FILTERS  # noqa: E402
from bench.scale import QUERIES  # noqa: E402
from omics.config import Settings  # noqa: E402
from omics.search.engine import SearchEngine  # noqa: E402
from omics.search.presentation import result_view  # noqa: E402
from omics.search.request import SearchFilters, SearchRequest  # noqa: E402

WARM_UP = 40


def search_and_show(engine: SearchEngine, number: int) -> None:
    """The ``number``-th search of the mix and its first page, as a client sees it."""
    filters = TEXT_FILTERS if number % 2 else SearchFilters()
    outcome = engine.search(SearchRequest(query=QUERIES[number % len(QUERIES)], filters=filters))
    for hit in outcome.hits[:20]:
        result_view(engine, hit)


def native_split(engine: SearchEngine, searches: int) -> None:
    """Print, per search, the time inside tantivy's own methods (by method) and in everything else."""
    profile = cProfile.Profile()
    profile.enable()
    for number in range(searches):
        search_and_show(engine, number)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    native: dict[str, float] = {}
    for (_file, _line, name), (_calls, _primitive, own, _cumulative, _callers) in stats.items():
        if "of 'tantivy." in name:
            parts = name.split("'")  # <method 'search' of 'tantivy.tantivy.Searcher' objects>
            method = f"{parts[3].rsplit('.', 1)[-1]}.{parts[1]}"
            native[method] = native.get(method, 0.0) + own * 1000 / searches
    whole = sum(own for _c, _p, own, _cu, _ca in stats.values()) * 1000 / searches
    inside = sum(native.values())
    print(f"Profiled: {whole:.2f} ms a search, {inside:.2f} ms of it inside tantivy ({inside / whole:.0%})")
    for method, ms in sorted(native.items(), key=lambda item: -item[1])[:8]:
        print(f"{ms:8.2f}  {method}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="split time in tantivy from the rest")
    args = parser.parse_args()
    engine = SearchEngine.open(Settings(data_dir=args.data_dir, corpus_path=args.corpus))
    for number in range(WARM_UP):
        search_and_show(engine, number)
    per_query: dict[tuple[str, bool], list[float]] = {}
    for number in range(args.searches):
        started = time.process_time()
        search_and_show(engine, number)
        key = (QUERIES[number % len(QUERIES)], bool(number % 2))
        per_query.setdefault(key, []).append((time.process_time() - started) * 1000)
    every = [ms for times in per_query.values() for ms in times]
    print(f"CPU per search: p50 {statistics.median(every):.2f} ms, mean {statistics.mean(every):.2f} ms")
    for (query, filtered), times in sorted(per_query.items(), key=lambda item: statistics.median(item[1])):
        print(f"{statistics.median(times):8.2f}  {query}{' (filtered)' if filtered else ''}")
    if args.profile:
        native_split(engine, args.searches)


if __name__ == "__main__":
    main()
