"""CPU per search of the bench/scale.py mix in one process, per query: two trees compared query by query.

bench/peer.py's figures move with the machine's load; CPU time in one process, with each
tree run one after the other over the same data directory, is the steadier comparison of a
change's cost. Every other search carries the text task's filters, as in bench/scale.py; the
first page is shown as the API shows it (highlights and reasons).

    OMICS_INDEX_BACKEND=tantivy python bench/cpu_per_query.py --corpus C --data-dir D --searches 200
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--searches", type=int, default=200)
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


if __name__ == "__main__":
    main()
