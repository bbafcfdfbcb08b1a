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
    python bench/shared_memory.py --size 250000 --processes 4 --engine --fork

``--fork`` forks the four from one process that preloaded what a worker's main process loads
before its pool forks (omics.search.artefacts.preload_before_fork), as Celery's prefork pool does.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import psutil  # noqa: E402

from bench.scale import QUERIES, synthetic  # noqa: E402
from omics.config import SHIPPED_CORPUS, Settings  # noqa: E402
from omics.search import artefacts  # noqa: E402
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
        ask = SharedQuery(weights=dict.fromkeys(stems, 1.0), concepts=[[([(0, s)], None)] for s in stems])
        known = shared.searcher().num_docs  # every document: no store lags behind this index
        retrieve(shared, ask, FIELD_WEIGHTS, stems, lambda doc: f"GSE{doc}", known, 1000, RERANK_POOL)


def search_engine(settings: Settings, queries: int) -> None:
    engine = SearchEngine.open(settings)
    for n in range(queries):
        outcome = engine.search(SearchRequest(query=QUERIES[n % len(QUERIES)], page_size=20))
        [result_view(engine, hit) for hit in outcome.hits[:20]]


def engine_settings(root: Path) -> Settings:
    return Settings(data_dir=root / "data", corpus_path=root / "corpus.jsonl.gz", index_backend="tantivy")


def serve(root: Path, queries: int, engine: bool) -> None:
    """One process: open, run the mix, report its private memory, then wait to be ended."""
    print(json.dumps(measure(root, queries, engine)), flush=True)
    sys.stdin.readline()


def forked_pool(root: Path, queries: int, processes: int) -> None:
    """A worker's main process: load what it preloads, fork the pool, report each child as JSON."""
    artefacts.preload_before_fork(engine_settings(root).data_dir)
    context = multiprocessing.get_context("fork")
    reports, done = context.Queue(), context.Event()
    children = [
        context.Process(target=_pool_child, args=(root, queries, reports, done)) for _ in range(processes)
    ]
    for child in children:
        child.start()
    measured = [reports.get() for _ in children]
    alive = [psutil.Process(child.pid).memory_full_info().uss / 2**20 for child in children]
    done.set()
    for child in children:
        child.join()
    print(json.dumps({"reports": measured, "uss_now": alive}), flush=True)


def _pool_child(root: Path, queries: int, reports: Any, done: Any) -> None:
    reports.put(measure(root, queries, engine=True))
    done.wait()


def measure(root: Path, queries: int, engine: bool) -> dict[str, float]:
    """Private memory before and after opening and running the mix in this process."""
    before = uss_mb()
    started = time.perf_counter()
    if engine:
        search_engine(engine_settings(root), queries)
    else:
        search_layer(root, queries)
    opened = time.perf_counter() - started
    after = uss_mb()
    rss = psutil.Process().memory_info().rss / 2**20
    return {"uss_before_mb": before, "uss_after_mb": after, "rss_mb": rss, "open_and_mix_s": opened}


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
    # Built (index, lexicon) in a process of its own, so this one forks no engine.
    command = [sys.executable, __file__, "--serve", str(root), "--queries", "1", "--engine"]
    subprocess.run(command, input="\n", text=True, capture_output=True, check=True)


def run_processes(root: Path, args: argparse.Namespace) -> tuple[list[dict[str, float]], list[float]]:
    """Each process started on its own (spawned), or forked from one that preloaded (``--fork``)."""
    command = [sys.executable, __file__, "--queries", str(args.queries), "--processes", str(args.processes)]
    if args.fork:
        done = subprocess.run(
            [*command, "--forked-pool", str(root)], text=True, capture_output=True, check=True
        )
        pool = json.loads(done.stdout.strip().splitlines()[-1])
        return pool["reports"], pool["uss_now"]
    command += ["--serve", str(root)] + (["--engine"] if args.engine else [])
    children = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(args.processes)
    ]
    reports = [json.loads(child.stdout.readline()) for child in children]  # type: ignore[union-attr]
    uss_now = [psutil.Process(child.pid).memory_full_info().uss / 2**20 for child in children]
    for child in children:
        child.communicate("\n", timeout=60)
    return reports, uss_now


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
    parser.add_argument(
        "--fork",
        action="store_true",
        help="with --engine: fork the processes from one that preloaded, as prefork",
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--forked-pool", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.queries, args.engine)
        return
    if args.forked_pool:
        forked_pool(args.forked_pool, args.queries, args.processes)
        return
    args.engine = args.engine or args.fork
    with tempfile.TemporaryDirectory() as tmp:
        root = args.index or Path(tmp) / "shared-index"
        started = time.perf_counter()
        prepare(root, args.size, args.samples_per_series, args.engine)
        print(f"{args.size:,} series ready in {time.perf_counter() - started:.1f} s", flush=True)
        reports, uss_now = run_processes(root, args)
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
