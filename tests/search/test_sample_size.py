"""A text search weighs how much data a series holds: a handful of samples ranks below a cohort.

Two copies of one study that differ only in their sample count: the one of 40 samples ranks
above the one of 3 for a text query (before the weighing, equal scores kept the lower document
id first, the small one); a copy whose count is unknown is not marked down; "more like these"
is not weighed (its examples say what kind of series is wanted). Both index backends.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from omics.config import Settings
from omics.search.engine import SearchEngine
from omics.search.outcome import SearchOutcome
from omics.search.request import SearchRequest
from omics.search.series import Series

TITLE = "Leukocyte expression in kallmannoid hypogonadism"
SUMMARY = "Peripheral blood leukocytes of patients with kallmannoid hypogonadism and of healthy relatives."


def _study(accession: str, sample_count: int | None) -> Series:
    return Series(
        accession,
        TITLE,
        SUMMARY,
        organisms=("Homo sapiens",),
        series_types=("Expression profiling by array",),
        sample_count=sample_count,
    )


@pytest.fixture(params=["bm25s", "tantivy"])
def copies(
    request: pytest.FixtureRequest, tmp_path: Path, engine: SearchEngine, data_dir: Path
) -> SearchEngine:
    """The shipped corpus and three copies of one study, on a private data directory (the
    session's ontology lexicon copied in) of each index backend."""
    engine.search(SearchRequest(query="warm up the vocabulary"))
    for cached in data_dir.glob("vocabulary-*"):
        shutil.copy(cached, tmp_path / cached.name)
    engine = SearchEngine.open(Settings(data_dir=tmp_path, index_backend=request.param))
    # the small one first: with equal scores the lower document id would rank first
    engine.add([_study("GSE990001", 3), _study("GSE990002", 40), _study("GSE990003", None)])
    return engine


def _order(outcome: SearchOutcome) -> list[str]:
    return [h.accession for h in outcome.hits if h.accession.startswith("GSE99000")]


def test_a_cohort_ranks_above_a_handful_of_samples_and_an_unknown_count_is_not_marked_down(
    copies: SearchEngine,
) -> None:
    outcome = copies.search(SearchRequest(query="kallmannoid hypogonadism"))
    assert _order(outcome) == ["GSE990002", "GSE990003", "GSE990001"]
    scores = {h.accession: h.score for h in outcome.hits}
    assert scores["GSE990001"] == pytest.approx(scores["GSE990002"] * 0.3**0.5, rel=1e-3)
    assert outcome.total == 3  # weighing reorders; it never drops a match


def test_more_like_these_is_not_weighed_by_sample_count(copies: SearchEngine) -> None:
    assert _order(copies.search(SearchRequest(similar_to=("GSE990003",)))) == ["GSE990001", "GSE990002"]
