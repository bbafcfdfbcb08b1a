"""Everything a set of searches answers, dumped to JSON, so two trees can be compared exactly.

A change meant to make searches cheaper must leave their answers untouched. This runs about
80 searches (the bench/scale.py mix with and without filters, both sorts, phrases,
exclusions, accessions, examples, platforms, size and date bounds, browsing) on an engine
opened over an existing data directory, and writes per search: the parsed view, both counts,
the facets, every ranked hit (accession, score, missing concepts), and the first two pages'
highlights and reasons as a result view shows them. Run it from each tree on the same data
directory and compare the files (``--compare``).

    OMICS_INDEX_BACKEND=tantivy python bench/answers.py --corpus C --data-dir D --out before.json
    OMICS_INDEX_BACKEND=tantivy python bench/answers.py --corpus C --data-dir D --out after.json
    python bench/answers.py --compare before.json after.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.evaluate import TEXT_FILTERS  # noqa: E402
from bench.scale import QUERIES  # noqa: E402
from omics.config import Settings  # noqa: E402
from omics.search.engine import SearchEngine  # noqa: E402
from omics.search.presentation import result_view  # noqa: E402
from omics.search.request import SearchFilters, SearchRequest  # noqa: E402

EXTRA_QUERIES = (
    '"breast cancer" -mouse',
    '"heart failure" mitochondria',
    "alzheimer -hippocampus",
    "parkinson's disease substantia nigra",
    "multiple sclerosis",
    "hepatitis",
    "lung cancer tamoxifen resistance",
    "diabetes",
    "stem cells",
    "cancer",
    "RNA-seq",
    "GPL570 leukemia",
)
BOUNDED = SearchFilters(min_samples=10, max_samples=100)  # the synthetic corpus has no dates


def requests(engine: SearchEngine) -> list[SearchRequest]:
    """The searches compared: the mix twice (without and with the text task's filters), sorted,
    the extra queries, accessions and examples of the corpus's first records, and browsing."""
    out = [SearchRequest(query=q) for q in QUERIES]
    out += [SearchRequest(query=q, filters=TEXT_FILTERS) for q in QUERIES]
    out += [SearchRequest(query=q, sort="newest") for q in QUERIES[:8]]
    out += [SearchRequest(query=q, sort="sample_count", filters=TEXT_FILTERS) for q in QUERIES[8:16]]
    out += [SearchRequest(query=q) for q in EXTRA_QUERIES]
    out += [SearchRequest(query=q, filters=BOUNDED) for q in QUERIES[:4]]
    first = [engine.store.accession(d) for d in (0, 7, 42)]
    out += [
        SearchRequest(query=first[0]),
        SearchRequest(query="series like GSE99999999"),
        SearchRequest(query=f"{first[1]} cancer"),
        SearchRequest(similar_to=(first[0],)),
        SearchRequest(query="tumor", similar_to=(first[1], first[2])),
        SearchRequest(query="", filters=TEXT_FILTERS),
        SearchRequest(query="", filters=BOUNDED, sort="newest"),
    ]
    return out


def answer(engine: SearchEngine, request: SearchRequest) -> dict[str, Any]:
    """What ``request`` answers, as JSON-ready data."""
    outcome = engine.search(request)
    hits = list(outcome.hits)
    return {
        "request": repr(request),
        "parsed": outcome.parsed,
        "total": outcome.total,
        "total_partial": outcome.total_partial,
        "facets": [[name, list(counts.items())] for name, counts in outcome.facets.items()],  # in order
        "hits": [[hit.accession, hit.score, hit.missing] for hit in hits],
        "pages": [
            {key: view[key] for key in ("accession", "score", "highlights", "reasons")}
            for view in (result_view(engine, hit) for hit in hits[:40])
        ],
    }


def compare(before: Path, after: Path) -> int:
    """Print every search whose answer differs; returns how many do."""
    old, new = json.loads(before.read_text()), json.loads(after.read_text())
    different = 0
    for a, b in zip(old, new, strict=True):
        if a != b:
            different += 1
            keys = [key for key in a if a[key] != b.get(key)]
            print(f"DIFFERENT {a['request']}: {keys}")
    print(f"{len(old)} searches, {different} different")
    return different


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        sys.exit(1 if compare(*args.compare) else 0)
    engine = SearchEngine.open(Settings(data_dir=args.data_dir, corpus_path=args.corpus))
    answers = [answer(engine, request) for request in requests(engine)]
    args.out.write_text(json.dumps(answers, indent=1, sort_keys=True))
    print(f"{len(answers)} searches written to {args.out}")


if __name__ == "__main__":
    main()
