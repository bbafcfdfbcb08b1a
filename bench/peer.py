"""Our engine beside a Lucene-class peer (tantivy alone), on the corpus and query mix of bench/scale.py.

For each size the synthetic corpus of ``bench/scale.py`` is written once; then, each in a fresh
process and in the same run:

* ``peer``: tantivy alone. Title, summary and design indexed with its English stemming
  analyser; each query of the mix parsed by tantivy's own query parser over the three fields
  and answered as the top 20 by BM25 plus the hit count. Nothing else (no filters, facets,
  explanations or re-ranking): the floor any engine on this layer pays.
* ``bm25s``: our engine as it ships (``OMICS_INDEX_BACKEND=bm25s``), built, then reopened and
  timed as ``bench/scale.py`` does: filters on every other search, facets over the whole
  match set, and the first page's 20 hits explained.
* ``tantivy``: our engine on the shared tantivy index layer (``OMICS_INDEX_BACKEND=tantivy``),
  timed the same way.

Printed per size: build seconds, p50/p99 wall clock and CPU p50 (ms) of each, and each of
ours as a ratio to the peer's p50 (wall and CPU).

    python bench/peer.py --sizes 80000,250000 --queries 300
    python bench/peer.py --sizes 250000 --engines peer,tantivy --samples-per-series 10

A full-scale corpus takes minutes to write and half an hour to index, so it can be kept: write
it once, then run each step on it with a directory of its own (an engine's step reuses the
index its directory already holds; the peer's directory must start empty):

    python bench/peer.py --sizes 1000000 --samples-per-series 10 --write-corpus /work/bench1m/corpus.jsonl.gz
    python bench/peer.py --step peer --corpus /work/bench1m/corpus.jsonl.gz --work /work/bench1m/peer
    OMICS_INDEX_BACKEND=tantivy python bench/peer.py --step tantivy --corpus /work/bench1m/corpus.jsonl.gz \
        --work /work/bench1m/data
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import tantivy  # noqa: E402

from bench.scale import QUERIES, build, serve, synthetic  # noqa: E402
from omics.config import SHIPPED_CORPUS  # noqa: E402
from omics.search.loaders import read_jsonl, write_jsonl  # noqa: E402
from omics.search.series import Series  # noqa: E402

PEER_FIELDS = ["title", "summary", "overall_design"]
ENGINES = ("peer", "bm25s", "tantivy")


def peer_build(corpus_path: Path, index_dir: Path) -> tantivy.Index:
    """tantivy's own defaults for English text: stemmed fields, nothing stored but the accession."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("accession", stored=True, tokenizer_name="raw")
    for name in PEER_FIELDS:
        builder.add_text_field(name, tokenizer_name="en_stem")
    index = tantivy.Index(builder.build(), path=str(index_dir))
    writer = index.writer(heap_size=512_000_000, num_threads=1)
    for record in read_jsonl(corpus_path):
        writer.add_document(
            tantivy.Document(
                accession=record.accession,
                title=record.title,
                summary=record.summary,
                overall_design=record.overall_design,
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def peer(corpus_path: Path, index_dir: Path, queries: int) -> dict[str, float]:
    """Build tantivy's index and time top-20 BM25 with a hit count over the query mix."""
    started = time.perf_counter()
    index = peer_build(corpus_path, index_dir)
    built = time.perf_counter() - started
    searcher = index.searcher()
    timings, cpu = [], []
    for n in range(queries):
        t0, c0 = time.perf_counter(), time.process_time()
        query, _errors = index.parse_query_lenient(QUERIES[n % len(QUERIES)], PEER_FIELDS)
        result = searcher.search(query, 20, count=True)
        [searcher.doc(address)["accession"] for _score, address in result.hits]
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {"build_s": round(built, 1)} | _latency(timings, cpu)


def _latency(timings: list[float], cpu: list[float]) -> dict[str, float]:
    timings = sorted(timings)
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(timings[min(len(timings) - 1, int(0.99 * len(timings)))], 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
    }


def ours(corpus_path: Path, data_dir: Path, queries: int) -> dict[str, float]:
    """Our engine (the backend chosen by OMICS_INDEX_BACKEND): build, then serve from a reopen."""
    built = build(corpus_path, data_dir)
    served = serve(corpus_path, data_dir, queries, core=False)
    return {"build_s": built["build_s"], "rss_mb": served["rss_after_mb"]} | {
        "p50_ms": served["p50_ms"],
        "p99_ms": served["p99_ms"],
        "cpu_p50_ms": served["cpu_p50_ms"],
    }


def write_corpus(path: Path, real: list[Series], size: int, samples_per_series: int) -> None:
    """bench/scale.py's synthetic corpus of ``size`` series, drawn from ``real`` (the shipped
    records), at ``path``."""
    write_jsonl(path, synthetic(real, size, samples_per_series=samples_per_series))


def run_child(engine: str, corpus: Path, work: Path, queries: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--step", engine, "--corpus", str(corpus)]
    command += ["--work", str(work), "--queries", str(queries)]
    env = {"OMICS_INDEX_BACKEND": engine} if engine != "peer" else {}
    result = subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ, **env})
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="80000,250000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--engines", default=",".join(ENGINES), help="which of peer,bm25s,tantivy to run")
    parser.add_argument("--samples-per-series", type=int, default=0)
    parser.add_argument("--write-corpus", type=Path, help="only write the corpus of the one size given")
    parser.add_argument("--step", choices=ENGINES, help="run one engine's step on --corpus in --work")
    parser.add_argument("--corpus", type=Path, help="the corpus of a --step")
    parser.add_argument("--work", type=Path, help="the directory of a --step (its index)")
    args = parser.parse_args()
    if args.write_corpus:
        sizes = [int(s) for s in args.sizes.split(",")]
        if len(sizes) != 1:
            parser.error("--write-corpus writes one corpus: give one size in --sizes")
        args.write_corpus.parent.mkdir(parents=True, exist_ok=True)
        write_corpus(args.write_corpus, list(read_jsonl(SHIPPED_CORPUS)), sizes[0], args.samples_per_series)
        return
    if args.step == "peer":
        print(json.dumps(peer(args.corpus, args.work, args.queries)))
        return
    if args.step:
        print(json.dumps(ours(args.corpus, args.work, args.queries)))
        return
    engines = [e for e in args.engines.split(",") if e]
    real = list(read_jsonl(SHIPPED_CORPUS))
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus.jsonl.gz"
            write_corpus(corpus, real, size, args.samples_per_series)
            figures = {}
            for engine in engines:
                work = Path(tmp) / engine
                work.mkdir()
                figures[engine] = run_child(engine, corpus, work, args.queries)
            _report(size, figures)


def _report(size: int, figures: dict[str, dict[str, float]]) -> None:
    print(f"\n{size:,} series")
    print(
        f"{'engine':>8} {'build s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cpu p50':>8} {'x peer':>7} {'cpu x':>6}"
    )
    base = figures.get("peer")
    for engine, row in figures.items():
        ratio = f"{row['p50_ms'] / base['p50_ms']:.1f}" if base else "-"
        cpu_ratio = f"{row['cpu_p50_ms'] / max(base['cpu_p50_ms'], 1e-3):.1f}" if base else "-"
        print(
            f"{engine:>8} {row['build_s']:>8} {row['p50_ms']:>8} {row['p99_ms']:>8} "
            f"{row['cpu_p50_ms']:>8} {ratio:>7} {cpu_ratio:>6}",
            flush=True,
        )


if __name__ == "__main__":
    main()
