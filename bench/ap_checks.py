"""Is a gain in AP about the judged series, or about how the corpus was collected?

Unjudged series count as not relevant, and the shared corpus holds 2,087 series from a partial
fetch (no overall design, most with a truncated summary) that the judgment sets almost never
judged (20 of benchmark/'s 1,719 judged series, 1 of benchmark-broad's 320): a change that only
pushes those down "gains" AP on both sets without ranking any judged series better. For run
files (``evaluate.py --runs DIR`` keeps them) this prints, per run, mean AP three ways: as
releval.py counts it (depth 1000, unjudged = not relevant, on the run as given; releval.py's
own figure may differ for filtered tasks), with the partial-fetch series dropped from the
ranking, and on the judged series only (the condensed list; only meaningful where
non-relevant series were judged too, as in benchmark/).

    python bench/ap_checks.py --judgments ../shared/data/benchmark/judgments.tsv \\
        --corpus ../shared/data/geo_series.jsonl.gz RUN [RUN ...]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
from collections import defaultdict
from pathlib import Path

DEPTH = 1000


def partial_fetch(corpus: Path) -> set[str]:
    """Series whose summary is truncated or that have no overall design."""
    found = set()
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("summary_is_truncated") in (True, "True") or not record.get("overall_design"):
                found.add(record["accession"])
    return found


def judgments(path: Path) -> dict[str, dict[str, int]]:
    graded: dict[str, dict[str, int]] = defaultdict(dict)
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            graded[row["query_id"]][row["accession"]] = int(row["grade"])
    return graded


def ranking(path: Path) -> dict[str, list[str]]:
    """Query id -> ranked accessions of the run's text task."""
    ranked: dict[str, list[str]] = defaultdict(list)
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["task"] == "text":
                ranked[row["query_id"]].append(row["accession"])
    return ranked


def average_precision(ranked: list[str], relevant: set[str]) -> float:
    found, total = 0, 0.0
    for rank, accession in enumerate(ranked[:DEPTH], 1):
        if accession in relevant:
            found += 1
            total += found / rank
    return total / max(1, len(relevant))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--judgments", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("runs", type=Path, nargs="+")
    args = parser.parse_args()
    graded, dropped = judgments(args.judgments), partial_fetch(args.corpus)
    print(f"{'run':40s} {'AP':>7s} {'no partial':>10s} {'judged only':>11s}")
    for run in args.runs:
        three: list[list[float]] = [[], [], []]
        for query, ranked in ranking(run).items():
            relevant = {a for a, grade in graded[query].items() if grade == 2}
            three[0].append(average_precision(ranked, relevant))
            three[1].append(average_precision([a for a in ranked if a not in dropped], relevant))
            three[2].append(average_precision([a for a in ranked if a in graded[query]], relevant))
        means = [sum(values) / max(1, len(values)) for values in three]
        print(f"{run.name:40s} {means[0]:7.4f} {means[1]:10.4f} {means[2]:11.4f}")


if __name__ == "__main__":
    main()
