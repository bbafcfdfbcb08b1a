"""Pseudo-relevance feedback reorders what the query matched; it never adds or drops a match."""

from __future__ import annotations

from typing import Any

import pytest

import omics.search.engine as engine_module
from omics.search.engine import SearchEngine
from omics.search.request import SearchFilters, SearchRequest
from omics.search.shared_engine import SharedIndexEngine


@pytest.mark.parametrize("query", ["Huntington's disease", "juvenile idiopathic arthritis"])
def test_feedback_reorders_the_matches_but_keeps_them_and_their_counts(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    if isinstance(engine, SharedIndexEngine):
        pytest.skip("no feedback on the shared-index backend: measured, not kept (docs/EVALUATION.md)")
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
