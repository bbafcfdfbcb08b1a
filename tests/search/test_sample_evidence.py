"""Sample-level evidence: a cohort whose samples name a condition its summary never does.

Curators count a general cohort as relevant to a condition when some of its samples have it;
the engine indexes every sample's title and characteristics as their own field, weighted below
the series' own text, and says how many samples mention what was searched.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable

import pytest

from omics.search.engine import SearchEngine
from omics.search.outcome import SearchOutcome
from omics.search.request import SearchRequest
from omics.search.series import Sample, Series
from tests.search.backends import bm25s_segments, differs_on_shared_index

COHORT_TITLE = "Expression profiling of a brain tumour cohort"
COHORT_SUMMARY = "RNA from primary brain tumours resected at one centre, profiled on one array."


def _samples(mentioning: int, total: int, characteristics: bool = False) -> tuple[Sample, ...]:
    """``total`` samples, the first ``mentioning`` of them glioblastomas (by title or characteristic)."""
    samples = []
    for n in range(1, total + 1):
        kind = "glioblastoma" if n <= mentioning else "meningioma"
        if characteristics:
            samples.append(
                Sample(f"GSM77{n:04d}", f"tumour_{n}", (f"disease state: {kind}", "tissue: brain"))
            )
        else:
            samples.append(Sample(f"GSM77{n:04d}", f"{kind}_tumour_{n}"))
    return tuple(samples)


def _cohort(accession: str, samples: tuple[Sample, ...] = ()) -> Series:
    return Series(
        accession,
        COHORT_TITLE,
        COHORT_SUMMARY,
        organisms=("Homo sapiens",),
        series_types=("Expression profiling by array",),
        sample_count=len(samples) or 48,
        samples=samples,
    )


def _rank(outcome: SearchOutcome, accession: str) -> int:
    return next(i for i, hit in enumerate(outcome.hits) if hit.accession == accession)


@pytest.fixture
def cohorts(fresh_engine: Callable[[], SearchEngine]) -> SearchEngine:
    """The shipped corpus plus three copies of one cohort: samples named by title, by
    characteristics, and no sample list at all (the control)."""
    engine = fresh_engine()
    engine.add(
        [
            _cohort("GSE990001", _samples(3, 48)),
            _cohort("GSE990002", _samples(3, 48, characteristics=True)),
            _cohort("GSE990003"),
        ]
    )
    return engine


def test_a_cohort_is_found_by_its_sample_titles_below_series_about_the_condition(
    cohorts: SearchEngine,
) -> None:
    outcome = cohorts.search(SearchRequest(query="glioblastoma", page_size=1000))
    full = [hit.accession for hit in outcome.hits[: outcome.total]]
    assert "GSE990001" in full  # a full match: its samples name the condition
    assert "GSE990003" not in {hit.accession for hit in outcome.hits}  # the same text, no samples
    titled = [
        i
        for i, hit in enumerate(outcome.hits)
        if re.search(r"glioblastoma", cohorts.get(hit.accession).title, re.I)  # type: ignore[union-attr]
    ]
    assert titled and max(titled) < _rank(outcome, "GSE990001")  # every study about it comes first
    hit = outcome.hits[_rank(outcome, "GSE990001")]
    cohorts.explain(hit)
    assert "3 of 48 samples mention glioblastoma" in hit.reasons
    assert not any(reason.startswith("does not mention") for reason in hit.reasons)


def test_characteristics_count_as_the_samples_own_words(cohorts: SearchEngine) -> None:
    outcome = cohorts.search(SearchRequest(query="glioblastoma", page_size=1000))
    assert "GSE990002" in [hit.accession for hit in outcome.hits[: outcome.total]]
    hit = outcome.hits[_rank(outcome, "GSE990002")]
    cohorts.explain(hit)
    assert "3 of 48 samples mention glioblastoma" in hit.reasons
    # "disease state: ..." is every such cohort's key, not its topic: it makes no match.
    assert "GSE990002" not in {h.accession for h in cohorts.search(SearchRequest(query="state")).hits}


def test_samples_complete_a_query_of_two_concepts(cohorts: SearchEngine) -> None:
    """The summary says "brain tumours", the samples say glioblastoma: both concepts covered."""
    outcome = cohorts.search(SearchRequest(query="glioblastoma resected", page_size=1000))
    full = {hit.accession for hit in outcome.hits[: outcome.total]}
    assert {"GSE990001", "GSE990002"} <= full
    partial = {hit.accession: hit for hit in outcome.hits[outcome.total :]}
    assert partial["GSE990003"].missing == ["glioblastoma"]


@differs_on_shared_index(
    "tantivy's BM25 averages a field's length over every series, and the shipped corpus has no "
    "sample text, so a cohort's 48 sample lines are thousands of times the average: glioblastoma "
    "in 3 of them scores 0.0068 against 28.9 for the best series (bm25s: 0.18 against 1.09)"
)
def test_a_cohort_is_found_by_example_through_its_samples(cohorts: SearchEngine) -> None:
    about = cohorts.search(SearchRequest(query="glioblastoma", page_size=5)).hits
    examples = tuple(hit.accession for hit in about[:3])
    outcome = cohorts.search(SearchRequest(similar_to=examples, page_size=1000))
    ranked = [hit.accession for hit in outcome.hits]
    assert "GSE990001" in ranked
    assert "GSE990003" not in ranked or ranked.index("GSE990001") < ranked.index("GSE990003")


@bm25s_segments
def test_an_index_persisted_before_sample_text_is_rebuilt(
    cohorts: SearchEngine, fresh_engine: Callable[[], SearchEngine]
) -> None:
    """A data directory whose index an earlier release built (no sample field) is not read as
    it is: its cohorts would never be found by their samples."""
    root = cohorts.index_root
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["fields"] = ["title", "summary", "overall_design"]
    (root / "manifest.json").write_text(json.dumps(manifest))
    for segment in manifest["segments"]:
        shutil.rmtree(root / segment["name"] / "sample_text", ignore_errors=True)
    reopened = fresh_engine()
    found = reopened.search(SearchRequest(query="glioblastoma", page_size=1000)).hits
    assert "GSE990001" in {hit.accession for hit in found}
    assert "sample_text" in json.loads((root / "manifest.json").read_text())["fields"]
