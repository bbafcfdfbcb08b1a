"""Private memory of processes sharing one index (OMICS_INDEX_BACKEND=tantivy's layer).

Builds the shared index of bench/scale.py's synthetic corpus once, then starts ``--processes``
processes (a worker's prefork children) that each open it and run the query mix through the
layer (retrieval, counts, facets, the proximity re-rank), all alive at once. Each reports its
unique set size (USS: pages no other process shares) before opening the index and after the
queries; the difference is what the index costs that process privately. The index files'
pages sit in the page cache once, whichever process touched them.

``--engine`` measures the whole search engine of that backend instead of the layer alone: each
process opens ``SharedIndexEngine`` (the corpus store, whose records stay in their files, the
vocabulary and the index) and runs the mix through ``search`` with the first page explained,
as a worker child serves it.

    python bench/shared_memory.py --size 250000 --processes 4
    python bench/shared_memory.py --size 250000 --processes 4 --engine
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import psutil  # noqa: E402

from bench.scale import QUERIES, synthetic  # noqa: E402
from omics.config import SHIPPED_CORPUS, Settings  # noqa: E402
from omics.search.engine import SearchEngine  # noqa: E402
from omics.search.loaders import read_jsonl, write_jsonl  # noqa: E402
from omics.search.presentation import result_view  # noqa: E402
from omics.search.ranking import FIELD_WEIGHTS, RERANK_POOL, query_stems  # noqa: E402
from omics.search.request import SearchRequest  # noqa: E402
from omics.search.shared_index import SharedIndex, SharedQuery, retrieve  # noqa: E402

FINGERPRINT = "bench-shared-memory"


def uss_mb() -> float:
    return psutil.Process().memory_full_info().uss / 2**20


def search_layer(root: Path, queries: int) -> None:
    shared = SharedIndex.open(root, FINGERPRINT, list)
    for n in range(queries):
        stems = query_stems(QUERIES[n % len(QUERIES)])
        ask = SharedQuery(weights=dict.fromkeys(stems, 1.0), concepts=[[([s], False)] for s in stems])
        retrieve(shared, ask, FIELD_WEIGHTS, stems, lambda doc: f"GSE{doc}", 1000, RERANK_POOL)


def search_engine(settings: Settings, queries: int) -> None:
    engine = SearchEngine.open(settings)
    for n in range(queries):
        outcome = engine.search(SearchRequest(query=QUERIES[n % len(QUERIES)], page_size=20))
        [result_view(engine, hit) for hit in outcome.hits[:20]]


def engine_settings(root: Path) -> Settings:
    return Settings(data_dir=root / "data", corpus_path=root / "corpus.jsonl.gz", index_backend="tantivy")


def serve(root: Path, queries: int, engine: bool) -> None:
    """One process: open, run the mix, report its private memory, then wait to be ended."""
    before = uss_mb()
    started = time.perf_counter()
    if engine:
        search_engine(engine_settings(root), queries)
    else:
        search_layer(root, queries)
    opened = time.perf_counter() - started
    after = uss_mb()
    rss = psutil.Process().memory_info().rss / 2**20
    print(
        json.dumps({"uss_before_mb": before, "uss_after_mb": after, "rss_mb": rss, "open_and_mix_s": opened}),
        flush=True,
    )
    sys.stdin.readline()


def prepare(root: Path, size: int, samples_per_series: int, engine: bool) -> None:
    """Build what the processes open: the index alone, or the engine's corpus file and data."""
    real = list(read_jsonl(SHIPPED_CORPUS))
    if not engine:
        SharedIndex.open(
            root, FINGERPRINT, lambda: synthetic(real, size, samples_per_series=samples_per_series)
        )
        return
    if not (root / "corpus.jsonl.gz").exists():
        root.mkdir(parents=True, exist_ok=True)
        write_jsonl(root / "corpus.jsonl.gz", synthetic(real, size, samples_per_series=samples_per_series))
    opened = SearchEngine.open(engine_settings(root))
    opened.search(SearchRequest(query="warm up"))  # derives the vocabulary's lexicon once


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=250_000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--samples-per-series", type=int, default=0)
    parser.add_argument("--index", type=Path, help="an index (or engine data) built by an earlier run (kept)")
    parser.add_argument("--engine", action="store_true", help="the whole SharedIndexEngine, not the layer")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.queries, args.engine)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.index or Path(tmp) / "shared-index"
        started = time.perf_counter()
        prepare(root, args.size, args.samples_per_series, args.engine)
        print(f"{args.size:,} series ready in {time.perf_counter() - started:.1f} s", flush=True)
        command = [sys.executable, __file__, "--serve", str(root), "--queries", str(args.queries)]
        command += ["--engine"] if args.engine else []
        children = [
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _ in range(args.processes)
        ]
        reports = [json.loads(child.stdout.readline()) for child in children]  # type: ignore[union-attr]
        uss_now = [psutil.Process(child.pid).memory_full_info().uss / 2**20 for child in children]
        for child in children:
            child.communicate("\n", timeout=60)
    added = [r["uss_after_mb"] - r["uss_before_mb"] for r in reports]
    header = ("process", "open+mix s", "USS before MB", "USS after MB", "added USS MB", "RSS MB")
    print(" ".join(f"{h:>14}" for h in header))
    for n, (report, extra) in enumerate(zip(reports, added, strict=True)):
        values = (
            report["open_and_mix_s"],
            report["uss_before_mb"],
            report["uss_after_mb"],
            extra,
            report["rss_mb"],
        )
        print(f"{n:>14} " + " ".join(f"{v:>14.2f}" for v in values))
    what = "engine" if args.engine else "index"
    print(f"private memory the {what} adds, all {len(reports)} processes: {sum(added):.0f} MB")
    print(f"USS of all {len(reports)} processes while alive together: {sum(uss_now):.0f} MB")


if __name__ == "__main__":
    main()
