"""Search engine at GEO scale: grow the corpus synthetically, then time builds and queries.

The corpus is grown by recombining real records (title of one, summary sentences of two
others, design and metadata of a fourth), so vocabulary, text lengths and metadata
distributions stay those of GEO. For each size the script, in a fresh child process:

1. writes the synthetic corpus and opens the engine on an empty data directory: the index is
   built and persisted (build time, peak RSS);
2. in another fresh process, opens the engine again: the index is loaded, not rebuilt (open
   time, RSS), then runs the query mix with filters, facets and explanations of the first page
   on every search, and prints p50/p99 latency (wall clock; and the p50 of CPU time, which
   other work on a shared machine does not inflate) and RSS after the queries;
3. does the same for the core engine alone (no ontology query expansion: "core" columns).

    python bench/scale.py                      # 80k, 250k and 1M
    python bench/scale.py --sizes 80000 --queries 200
    python bench/scale.py --sizes 250000 --samples-per-series 10   # series list 10 samples each

Figures go to docs/PERFORMANCE.md ("Search engine").
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import psutil  # noqa: E402

from bench.evaluate import TEXT_FILTERS as HUMAN_EXPRESSION  # noqa: E402
from omics.config import SHIPPED_CORPUS, Settings  # noqa: E402
from omics.search.engine import SearchEngine  # noqa: E402
from omics.search.loaders import read_jsonl, write_jsonl  # noqa: E402
from omics.search.presentation import result_view  # noqa: E402
from omics.search.request import SearchFilters, SearchRequest  # noqa: E402
from omics.search.series import Series  # noqa: E402
from omics.search.vocabulary import Vocabulary  # noqa: E402

NO_LEXICON = {"terms": {}, "keys": {}, "children": {}, "roots": []}  # the engine without ontology expansion

# A mix of what researchers type: conditions, tissues, assays, organisms, sizes, phrases.
QUERIES = (
    "breast cancer",
    "alzheimer disease hippocampus",
    "type 2 diabetes islets",
    "rheumatoid arthritis synovium",
    "lung adenocarcinoma smoking",
    "covid-19 blood",
    "glioblastoma stem cells",
    "mouse liver RNA-seq",
    '"single cell" tumor microenvironment',
    "psoriasis skin at least 20 samples",
    "colorectal cancer -mouse",
    "macrophage polarization",
    "t cell exhaustion",
    "heart failure",
    "asthma airway epithelium",
    "hepatocellular carcinoma",
    "parkinson",
    "obesity adipose tissue",
    "sepsis",
    "leukemia children",
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def synthetic(corpus: list[Series], size: int, seed: int = 1, samples_per_series: int = 0) -> list[Series]:
    """``size`` records recombined from real ones (the real ones come first, unchanged).

    With ``samples_per_series``, every synthetic record also lists that many samples (GSMs)
    whose titles are drawn like the series text (:func:`sample_titles`).
    """
    rng = random.Random(seed)
    out = list(corpus[:size])
    for n in range(size - len(out)):
        a, b, c, d = (rng.choice(corpus) for _ in range(4))
        sentences = _SENTENCE.split(b.summary)[: rng.randint(1, 4)] + _SENTENCE.split(c.summary)[1:5]
        out.append(
            Series(
                accession=f"GSE{9_000_000 + n}",
                title=a.title,
                summary=" ".join(sentences),
                overall_design=d.overall_design,
                organisms=d.organisms,
                series_types=d.series_types,
                platforms=d.platforms,
                sample_count=d.sample_count,
                submission_date=d.submission_date,
                samples=sample_titles(corpus, rng, 9_000_000 + n, samples_per_series),
            )
        )
    return out


def sample_titles(
    corpus: list[Series], rng: random.Random, series: int, count: int
) -> tuple[tuple[str, str], ...]:
    """``count`` (GSM, title) pairs: a run of words from one real title (the condition or tissue
    a sample names), one from another's design (its treatment or group), and a replicate number,
    so sample text shares GEO's vocabulary without repeating its series' text verbatim."""
    samples = []
    for k in range(count):
        condition = _word_run(rng.choice(corpus).title, rng, 2, 5)
        group = _word_run(rng.choice(corpus).overall_design, rng, 1, 3)
        samples.append((f"GSM{series * 10 + k}", f"{condition}, {group}, replicate {k % 3 + 1}"))
    return tuple(samples)


def _word_run(text: str, rng: random.Random, shortest: int, longest: int) -> str:
    words = text.split()
    if not words:
        return "sample"
    length = rng.randint(shortest, longest)
    start = rng.randrange(max(1, len(words) - length + 1))
    return " ".join(words[start : start + length]).strip(".,;:()")


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(corpus_path: Path, data_dir: Path) -> dict:
    started = time.perf_counter()
    engine = SearchEngine.open(Settings(data_dir=data_dir, corpus_path=corpus_path))
    return {
        "docs": engine.size,
        "build_s": round(time.perf_counter() - started, 1),
        "build_peak_rss_mb": round(peak_rss_mb()),
    }


def serve(corpus_path: Path, data_dir: Path, queries: int, core: bool) -> dict:
    """Open the persisted index and time the query mix (``core``: without ontology expansion)."""
    started = time.perf_counter()
    engine = SearchEngine.open(
        Settings(data_dir=data_dir, corpus_path=corpus_path),
        vocabulary=Vocabulary(NO_LEXICON) if core else None,
    )
    opened = time.perf_counter() - started
    rss_open = rss_mb()
    engine.search(SearchRequest(query="warm up"))  # loads the ontology vocabulary once
    timings, cpu = [], []
    for n in range(queries):
        request = SearchRequest(
            query=QUERIES[n % len(QUERIES)],
            filters=HUMAN_EXPRESSION if n % 2 else SearchFilters(),
            page_size=20,
        )
        t0, c0 = time.perf_counter(), time.process_time()
        outcome = engine.search(request)
        [result_view(engine, hit) for hit in outcome.hits[:20]]
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    timings.sort()
    return {
        "open_s": round(opened, 2),
        "rss_open_mb": round(rss_open),
        "rss_after_mb": round(rss_mb()),
        "p50_ms": round(statistics.median(timings), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "p99_ms": round(timings[min(len(timings) - 1, int(0.99 * len(timings)))], 1),
    }


def child(args: argparse.Namespace) -> None:
    """One measurement in this (fresh) process; prints JSON."""
    if args.step == "build":
        print(json.dumps(build(args.corpus, args.data_dir)))
    else:
        print(json.dumps(serve(args.corpus, args.data_dir, args.queries, core=args.step == "core")))


def run_child(step: str, corpus: Path, data_dir: Path, queries: int) -> dict:
    command = [
        sys.executable,
        __file__,
        "--step",
        step,
        "--corpus",
        str(corpus),
        "--data-dir",
        str(data_dir),
        "--queries",
        str(queries),
    ]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="80000,250000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--samples-per-series", type=int, default=0, help="samples (GSMs) listed by each synthetic series"
    )
    parser.add_argument("--step", choices=("build", "serve", "core"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        child(args)
        return
    real = list(read_jsonl(SHIPPED_CORPUS))
    print(
        f"{'series':>9} {'build s':>8} {'build peak MB':>13} {'open s':>7} {'RSS MB':>7} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'cpu p50':>7} | {'core p50':>8} {'p99':>7} {'RSS MB':>7}",
        flush=True,
    )
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus.jsonl.gz"
            write_jsonl(corpus, synthetic(real, size, samples_per_series=args.samples_per_series))
            data_dir = Path(tmp) / "data"
            built = run_child("build", corpus, data_dir, args.queries)
            served = run_child("serve", corpus, data_dir, args.queries)
            core = run_child("core", corpus, data_dir, args.queries)
            print(
                f"{built['docs']:>9} {built['build_s']:>8} {built['build_peak_rss_mb']:>13} "
                f"{served['open_s']:>7} {served['rss_after_mb']:>7} {served['p50_ms']:>7} "
                f"{served['p99_ms']:>7} {served['cpu_p50_ms']:>7} | {core['p50_ms']:>8} "
                f"{core['p99_ms']:>7} {core['rss_after_mb']:>7}",
                flush=True,
            )
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
