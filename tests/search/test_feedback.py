"""Pseudo-relevance feedback reorders what the query matched; it never adds or drops a match."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

import omics.search.engine as engine_module
import omics.search.shared_engine as shared_engine_module
from omics.search.engine import MAX_HITS, SearchEngine
from omics.search.feedback import with_feedback, with_partial_feedback
from omics.search.index import tokenize
from omics.search.request import SearchFilters, SearchRequest
from omics.search.series import Series
from omics.search.shared_engine import SharedIndexEngine

_WEIGHTS = {"title": 1.0, "summary": 1.0}


def _four_records() -> tuple[
    list[Series], np.ndarray, np.ndarray, Callable[[Mapping[str, float]], np.ndarray]
]:
    """Two full matches of "endometrioid cancer" (ovarian tumours), then two partial ones: a breast
    cancer record saying "cancer" most and an ovarian one; a scorer linear in the stems."""
    records = [
        Series("GSE1", "Endometrioid ovarian cancer", "Ovarian tumour expression in endometrioid cancer"),
        Series("GSE2", "Endometrioid cancer of the ovary", "Ovarian tumour profiles of endometrioid cancer"),
        Series("GSE3", "Breast cancer cell lines", "Cancer lines: cancer, cancer and cancer cells"),
        Series("GSE4", "Ovarian tumour cohort", "Ovarian cancer tumour expression"),
    ]
    held = [tokenize([f"{r.title} {r.summary}"])[0] for r in records]
    scores = np.array([1.0, 0.9, 0.3, 0.25], dtype=np.float32)
    full = np.array([True, True, False, False])

    def score_stems(weights: Mapping[str, float]) -> np.ndarray:  # linear in the stems, as BM25 sums are
        return np.array(
            [sum(w * stems.count(s) for s, w in weights.items()) for stems in held], dtype=np.float32
        )

    return records, scores, full, score_stems


@pytest.mark.parametrize("query", ["Huntington's disease", "juvenile idiopathic arthritis"])
def test_feedback_reorders_the_matches_but_keeps_them_and_their_counts(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    if isinstance(engine, SharedIndexEngine):
        pytest.skip("the shared-index backend's full matches keep their order (test below)")
    request = SearchRequest(query=query, filters=SearchFilters(organisms=("Homo sapiens",)), page_size=1000)
    fed = engine.search(request)

    def no_feedback(scores: Any, *_args: Any, **_kwargs: Any) -> Any:
        return scores

    monkeypatch.setattr(engine_module, "with_feedback", no_feedback)
    plain = engine.search(request)
    assert (fed.total, fed.total_partial, fed.facets) == (plain.total, plain.total_partial, plain.facets)
    assert len(fed.hits) == len(plain.hits)
    full = {h.accession for h in plain.hits[: plain.total]}
    assert {h.accession for h in fed.hits[: fed.total]} == full  # full matches still come first
    assert [h.accession for h in fed.hits] != [h.accession for h in plain.hits]  # feedback is on


def test_a_partial_match_resembling_the_full_matches_ranks_first_among_the_partial_ones() -> None:
    """Of two records holding only the query's weaker word ("cancer" without "endometrioid"),
    the one about what the full matches are about (ovarian tumours) comes first, though its own
    words score a little higher in the other: for a partial match, resemblance weighs as much as
    its words, and is read from the words other than the query's (the breast cancer record says
    "cancer" most, which its score already counted).
    """
    records, scores, full, score_stems = _four_records()
    mixed = with_feedback(
        scores,
        full,
        records.__getitem__,
        lambda stem: 1,
        len(records),
        _WEIGHTS,
        score_stems,
        query_stems=("endometrioid", "cancer"),
    )
    assert mixed[3] > mixed[2]  # the ovarian record before the breast cancer one
    assert mixed[0] > mixed[1]  # full matches keep the feedback's light touch: their words decide


def test_partial_matches_of_a_subtype_are_first_those_about_its_organ(engine: SearchEngine) -> None:
    """ "Endometrioid cancer" has a handful of full matches (ovarian and endometrial tumours);
    the partial matches hold only "cancer", and those resembling the full matches (ovarian,
    endometrial, uterine studies) come before breast or liver cancer studies: 10 of the first 10
    (5 when the resemblance weighed 0.1 and counted "cancer" again). Both backends."""
    outcome = engine.search(SearchRequest(query="Endometrioid cancer", page_size=200))
    partial = [hit for hit in outcome.hits if hit.missing][:10]
    assert len(partial) == 10

    def about_the_organ(accession: str) -> bool:
        record = engine.get(accession)
        assert record is not None
        text = f"{record.title} {record.summary} {record.overall_design}".lower()
        return any(word in text for word in ("ovar", "endometri", "uter"))

    assert sum(about_the_organ(hit.accession) for hit in partial) >= 8


def test_the_partial_half_alone_orders_partial_matches_as_the_whole_feedback_does() -> None:
    """``with_partial_feedback`` (the shared index's) leaves the full matches' scores as they are
    and orders the partial ones exactly as ``with_feedback`` (the bm25s engine's) does."""
    records, scores, full, score_stems = _four_records()
    args = (scores, full, records.__getitem__, lambda stem: 1, len(records), _WEIGHTS, score_stems)
    whole = with_feedback(*args, query_stems=("endometrioid", "cancer"))
    partial = with_partial_feedback(*args, query_stems=("endometrioid", "cancer"))
    assert partial[full].tolist() == scores[full].tolist()
    assert np.argsort(-partial[~full]).tolist() == np.argsort(-whole[~full]).tolist() == [1, 0]
    assert partial[3] / scores[0] == pytest.approx(whole[3], rel=1e-5)  # the same mix, on the scores' scale


def test_shared_backend_orders_partial_matches_by_resemblance_and_keeps_the_full_ones(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the shared index the partial matches are reordered, the full matches (their order
    too), the counts and the facets stay as they were."""
    if not isinstance(engine, SharedIndexEngine):
        pytest.skip("the shared-index backend's rule (the bm25s engine's: the first test)")
    request = SearchRequest(query="Endometrioid cancer", page_size=1000)
    fed = engine.search(request)
    monkeypatch.setattr(shared_engine_module, "with_partial_feedback", lambda scores, *_a, **_k: scores)
    plain = engine.search(request)
    assert (fed.total, fed.total_partial, fed.facets) == (plain.total, plain.total_partial, plain.facets)
    assert [h.accession for h in fed.hits[: fed.total]] == [h.accession for h in plain.hits[: plain.total]]
    assert {h.accession for h in fed.hits} == {h.accession for h in plain.hits}
    assert [h.accession for h in fed.hits] != [h.accession for h in plain.hits]


def _count_models(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one each time the shared engine orders partial matches by resemblance."""
    calls: list[int] = []

    def counted(scores: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return with_partial_feedback(scores, *args, **kwargs)

    monkeypatch.setattr(shared_engine_module, "with_partial_feedback", counted)
    return calls


def test_shared_backend_computes_no_resemblance_when_full_matches_fill_the_ranking(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resemblance only orders partial matches: a search whose full matches fill every
    ranked place (full matches come first) does not build the feedback model at all."""
    if not isinstance(engine, SharedIndexEngine):
        pytest.skip("the shared-index backend's cost rule")
    calls = _count_models(monkeypatch)
    request = SearchRequest(query="Endometrioid cancer", page_size=20)
    outcome = engine.search(request)
    assert outcome.total_partial and outcome.total < MAX_HITS and calls == [1]
    monkeypatch.setattr(shared_engine_module, "MAX_HITS", outcome.total)  # now the full matches fill it
    assert engine.search(request).hits and calls == [1]


def test_shared_backend_orders_partial_matches_by_resemblance_only_within_the_re_rank_depth(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where as many full matches as the re-rank pool come first, the partial matches start past
    it and keep their words' order: the model is not built."""
    if not isinstance(engine, SharedIndexEngine):
        pytest.skip("the shared-index backend's cost rule")
    calls = _count_models(monkeypatch)
    request = SearchRequest(query="Endometrioid cancer", page_size=20)
    outcome = engine.search(request)
    assert calls == [1]
    monkeypatch.setattr(shared_engine_module, "RERANK_POOL", outcome.total)
    assert engine.search(request).total_partial and calls == [1]
