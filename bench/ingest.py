"""A full sync of a synthetic GEO from the fake NCBI server: wall time, worker memory, search latency.

The synthetic GEO holds ``--series`` esummary documents recombined from the shipped corpus
(title of one record, summary sentences of two others, metadata of a fourth: GEO's vocabulary
and lengths), generated on demand by the fake E-utilities server (``tests/fake_ncbi.py``),
which answers 429 above ``--rate`` requests a second like NCBI. A real worker process
(``python app.py worker --queues ingest --pool threads``) runs the ingestion saga with an API
key set, so the client paces itself to NCBI's 10 requests a second through Redis.

The script measures, in one run:

1. search latency while idle: ``--queries`` searches of a fixed mix on the engine of this
   process (the same data directory), p50;
2. the sync: ``--all`` started as a saga; wall time from start to ``completed``, the requests
   NCBI saw and how many it refused, the worker's peak resident memory (``VmHWM``);
3. search latency during the sync: the same mix at ``--search-rate`` searches a second (0: back
   to back, which keeps a core of this machine busy) until the saga ends, p50, and
   the ratio to idle (both measured on the same loaded machine, so its noise mostly cancels);
   and idle again after the sync, over the grown corpus.

    python bench/ingest.py --series 250000
    python bench/ingest.py --series 20000 --queries 20

With ``REDIS_URL`` unset an embedded Redis is started for the run. Figures go to
docs/PERFORMANCE.md ("Ingestion").
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from omics.config import IngestSettings, Settings  # noqa: E402
from omics.connections.redis import resolve_redis_url  # noqa: E402
from omics.ingest.saga import ingestion_params  # noqa: E402
from omics.runtime import shared_engine  # noqa: E402
from omics.runtime.ingestion import build_ingestion  # noqa: E402
from omics.search.loaders import read_jsonl  # noqa: E402
from omics.search.request import SearchRequest  # noqa: E402
from omics.search.series import Series  # noqa: E402
from tests.fake_ncbi import FakeNcbi  # noqa: E402

QUERIES = (
    "breast cancer",
    "alzheimer disease hippocampus",
    "type 2 diabetes islets",
    "mouse liver RNA-seq",
    "t cell exhaustion",
    "asthma airway epithelium",
    "glioblastoma stem cells",
    "heart failure",
)
FIRST_NUMBER = 5_000_000  # synthetic accessions GSE5000000...: never one of the shipped corpus
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


class SyntheticGeo(Sequence[dict[str, Any]]):
    """``size`` esummary GSE documents, each made when asked for (the same for the same index)."""

    def __init__(self, corpus: list[Series], size: int) -> None:
        self._corpus = corpus
        self._size = size

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        if not 0 <= index < self._size:
            raise IndexError(index)
        rng = random.Random(index)
        a, b, c, d = (rng.choice(self._corpus) for _ in range(4))
        number = FIRST_NUMBER + index
        summary = " ".join(_SENTENCE.split(b.summary)[: rng.randint(1, 4)] + _SENTENCE.split(c.summary)[1:4])
        day = f"{2001 + index % 25}/{1 + index % 12:02d}/{1 + index % 28:02d}"
        return {
            "uid": str(200_000_000 + number),
            "accession": f"GSE{number}",
            "entrytype": "GSE",
            "title": a.title,
            "summary": summary,
            "taxon": "; ".join(d.organisms) or "Homo sapiens",
            "gdstype": "; ".join(d.series_types),
            "gpl": ";".join(p.removeprefix("GPL") for p in d.platforms),
            "gds": "",
            "pdat": day,
            "suppfile": "TXT",
            "samples": [{"accession": f"GSM{number}{k}", "title": f"sample {k}"} for k in range(2)],
            "n_samples": d.sample_count or 2,
            "pubmedids": [],
            "ftplink": "",
            "bioproject": f"PRJNA{number}",
            "platformtitle": "",
        }


def base_data_dir(path: Path) -> Path:
    """A data directory with the shipped corpus's artefacts built (once; reused by later runs)."""
    if not (path / "index").exists():
        env = {**os.environ, "OMICS_DATA_DIR": str(path)}
        subprocess.run([sys.executable, "app.py", "build"], cwd=REPO, env=env, check=True)
    return path


def fresh_copy(base: Path) -> Path:
    """A new data directory starting from the shipped corpus (index and vocabulary copied)."""
    target = Path(tempfile.mkdtemp(prefix="omics-bench-ingest-"))
    shutil.copytree(base / "index", target / "index")
    for cached in base.glob("vocabulary-*"):
        shutil.copy(cached, target / cached.name)
    return target


def peak_mb(pid: int) -> float:
    """The peak resident memory of a process so far (Linux ``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_searches(engine: Any, rounds: int) -> list[float]:
    samples = []
    for n in range(rounds):
        started = time.perf_counter()
        engine.search(SearchRequest(query=QUERIES[n % len(QUERIES)]))
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=250_000)
    parser.add_argument("--rate", type=int, default=10, help="requests/s the fake NCBI allows")
    parser.add_argument("--queries", type=int, default=200, help="searches for each idle p50")
    parser.add_argument(
        "--base-dir", type=Path, default=Path(tempfile.gettempdir()) / "omics-bench-ingest-base"
    )
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--keep", action="store_true", help="keep the run's data directory")
    parser.add_argument(
        "--search-rate",
        type=float,
        default=5.0,
        help="searches a second during the sync (0: back to back, one core kept busy)",
    )
    args = parser.parse_args()

    data_dir = fresh_copy(base_data_dir(args.base_dir))
    corpus = list(read_jsonl(Settings(data_dir=data_dir).corpus_path))
    with FakeNcbi(SyntheticGeo(corpus, args.series), rate_limit=args.rate) as ncbi:
        ncbi.faults.retry_after = 1.0
        settings = Settings(data_dir=data_dir, redis_url=os.environ.get("REDIS_URL") or None)
        redis_url = resolve_redis_url(settings.redis_url, data_dir)
        settings = replace(
            settings, redis_url=redis_url, ingest=IngestSettings(base_url=ncbi.base_url, api_key="bench-key")
        )
        env = {
            **os.environ,
            "OMICS_DATA_DIR": str(data_dir),
            "REDIS_URL": redis_url,
            "OMICS_NCBI_BASE_URL": ncbi.base_url,
            "NCBI_API_KEY": "bench-key",
            "OMICS_LOG_FORMAT": "text",
        }
        log = open(data_dir / "worker.log", "wb")  # noqa: SIM115  (open for the worker's lifetime)
        worker = subprocess.Popen(
            [sys.executable, "app.py", "worker", "--queues", "ingest", "--pool", "threads"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            report = run(args, settings, ncbi, worker.pid)
        finally:
            worker.terminate()
            worker.wait(60)
            log.close()
    print(json.dumps(report, indent=2))
    if args.keep:
        print(f"data directory kept: {data_dir}", file=sys.stderr)
    else:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(args: argparse.Namespace, settings: Settings, ncbi: FakeNcbi, worker_pid: int) -> dict[str, Any]:
    from tasks.celery_app import create_celery
    from tasks.ingesting import start_ingestion

    engine = shared_engine(settings)
    timed_searches(engine, len(QUERIES))  # warm up (lexicon, caches of the process)
    idle = timed_searches(engine, args.queries)
    runner = build_ingestion(settings, str(settings.redis_url)).runner
    time.sleep(5)  # the worker has started and loaded its engine before the clock starts
    started = time.monotonic()
    saga_id = start_ingestion(create_celery(settings), ingestion_params(everything=True), None)
    during: list[float] = []
    view = runner.store.view(saga_id)
    while view is not None and view.status in ("running", "compensating"):
        if time.monotonic() - started > args.timeout:
            raise SystemExit(f"saga {saga_id} still {view.status} after {args.timeout} s")
        during.extend(timed_searches(engine, len(QUERIES)))
        if args.search_rate > 0:  # a steady load of users, not a loop that competes for a core
            time.sleep(max(0.0, len(QUERIES) / args.search_rate - sum(during[-len(QUERIES) :])))
        view = runner.store.view(saga_id)
    wall = time.monotonic() - started
    assert view is not None
    after = timed_searches(engine, args.queries)  # idle again, over the grown corpus
    esummary = sum(1 for r in ncbi.requests if r["endpoint"] == "esummary.fcgi")
    idle_p50, during_p50 = statistics.median(idle), statistics.median(during)
    return {
        "series": args.series,
        "status": view.status,
        "error": view.error,
        "counts": view.counts,
        "wall_seconds": round(wall, 1),
        "requests": len(ncbi.requests),
        "esummary_requests": esummary,
        "refused_429": ncbi.rate_limited,
        "worker_peak_mb": round(peak_mb(worker_pid)),
        "search_p50_idle_ms": round(idle_p50 * 1000, 1),
        "search_p50_during_ms": round(during_p50 * 1000, 1),
        "search_p50_ratio": round(during_p50 / idle_p50, 2),
        "searches_during": len(during),
        "search_rate": args.search_rate,
        "search_p50_after_ms": round(statistics.median(after) * 1000, 1),
        "steps": {s.name: [str(s.started_at), str(s.finished_at)] for s in view.steps},
    }


if __name__ == "__main__":
    main()
