"""Relevance evaluation of the engine against the development judgments.

Runs every benchmark query through ``SearchEngine`` directly (no server), writes a run file in
the format ``releval.py`` reads (``task  query_id  rank  accession``), scores it with the
shared ``releval.py`` next to GEO's own ranking and a plain BM25, prints the table and, with
``--doc``, writes docs/EVALUATION.md.

    python bench/evaluate.py                        # paths default to ../shared/...
    python bench/evaluate.py --doc docs/EVALUATION.md

Text task protocol (releval.py --help): rank the query's text, filtered to human expression
profiling series (array or high-throughput sequencing), up to 1000 results.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from omics.config import Settings  # noqa: E402
from omics.engine import MAX_HITS, SearchEngine  # noqa: E402
from omics.search import SearchFilters, SearchRequest  # noqa: E402

TEXT_FILTERS = SearchFilters(
    organisms=("Homo sapiens",),
    series_types=("Expression profiling by array", "Expression profiling by high throughput sequencing"),
)


def text_run(engine: SearchEngine, queries: list[dict]) -> list[tuple[str, str, int, str]]:
    rows = []
    for query in queries:
        outcome = engine.search(SearchRequest(query=query["text"], filters=TEXT_FILTERS, page_size=100))
        rows.extend(("text", query["query_id"], rank, hit.accession)
                    for rank, hit in enumerate(outcome.hits[:MAX_HITS], 1))
    return rows


def write_run(path: Path, rows: list[tuple[str, str, int, str]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("task\tquery_id\trank\taccession\n")
        for row in rows:
            handle.write("\t".join(str(v) for v in row) + "\n")


def score(releval: Path, data: Path, corpus: Path, run: Path, task: str) -> str:
    command = [sys.executable, str(releval), "--data", str(data), "--corpus", str(corpus),
               "--run", str(run), "--task", task]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    shared = REPO.parent / "shared"
    parser.add_argument("--data", type=Path, default=shared / "data" / "benchmark")
    parser.add_argument("--corpus", type=Path, default=shared / "data" / "geo_series.jsonl.gz")
    parser.add_argument("--releval", type=Path, default=shared / "bench" / "releval.py")
    parser.add_argument("--run", type=Path, default=None, help="run file to write (default: a temp file)")
    parser.add_argument("--data-dir", type=Path, default=None, help="engine data directory (default: temp)")
    parser.add_argument("--doc", type=Path, default=None, help="write the evaluation report here")
    args = parser.parse_args()

    queries = [json.loads(line) for line in open(args.data / "queries.jsonl", encoding="utf-8") if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=args.data_dir or Path(tmp), corpus_path=args.corpus)
        engine = SearchEngine.open(settings)
        run = args.run or Path(tmp) / "run.tsv"
        write_run(run, text_run(engine, queries))
        table = score(args.releval, args.data, args.corpus, run, "text")
    print(table)
    if args.doc:
        args.doc.write_text(report(table, args))


def report(table: str, args: argparse.Namespace) -> str:
    return f"""# Relevance evaluation

Development judgments of the GEO_NLP study (Brown et al., Bioinformatics 2026; data MIT,
github.com/srp33/GEO_NLP): three medical conditions as free-text queries, ranked by the
engine with the study's filter (human, expression profiling by array or by high-throughput
sequencing), scored by the shared `releval.py` against NCBI GEO's own ranking (`geo1`..`geo3`:
the study's three GEO search variants) and a plain Okapi BM25 over title+summary+design
(`bm25`). `run` is this engine. Metrics: nDCG@10 and P@10 on the condensed list (unjudged
series dropped), R-precision, AP (depth 1000) and R@100 on the raw list (unjudged = not
relevant); `judged@10` is the share of the top 10 that was judged at all.

Command (from the repository root):

    python bench/evaluate.py --doc docs/EVALUATION.md

which writes a run file from `SearchEngine` and runs

    python3 ../shared/bench/releval.py --data ../shared/data/benchmark \\
        --corpus ../shared/data/geo_series.jsonl.gz --run RUN --task text

The query-by-example task (`--task example`) is evaluated by the quality work
(omics/similarity.py), not here.

## Text task

```
{table.rstrip()}
```
"""


if __name__ == "__main__":
    main()
