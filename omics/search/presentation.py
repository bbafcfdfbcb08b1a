"""How a search is shown: one result as the contract's fields, and a whole search as a document.

The document is what the search store keeps, the cache replays and v1 pages: deterministic
and JSON-serialisable, so every path that shows a search shows the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from omics.search.outcome import Hit, SearchOutcome
from omics.search.reference import organism_objects, platform_objects
from omics.search.request import SearchRequest
from omics.search.series import Series


class Explainer(Protocol):
    """What presenting needs from the engine: a hit's record, with the hit explained."""

    def explain(self, hit: Hit) -> Series: ...


def result_view(engine: Explainer, hit: Hit) -> dict[str, Any]:
    """The displayable result: contract fields, highlights and reasons."""
    record = engine.explain(hit)
    return {
        "accession": record.accession,
        "title": record.title,
        "summary": record.summary,
        "overall_design": record.overall_design,
        "organisms": list(record.organisms),
        "series_types": list(record.series_types),
        "platforms": list(record.platforms),
        "sample_count": record.sample_count,
        "submission_date": record.submission_date,
        "score": hit.score,
        "highlights": hit.highlights,
        "reasons": hit.reasons,
    }


def with_references(view: dict[str, Any], record: Series | None) -> dict[str, Any]:
    """A stored result or record (organism names, platform accessions) in the API's newest shape.

    Stored results keep names, the shape every release reads (a rolling upgrade shares them);
    organisms become ``{"name", "taxon_id"}`` and platforms ``{"accession", "title"}`` only on
    the way out, from the record's own ids and titles where it has them. A view that already
    holds objects (written by a later release) is returned as it is. A result upgraded from
    before results kept ``submission_date`` (null) gets the record's.
    """
    extra = record.extra if record is not None else {}
    out = dict(view)
    if "submission_date" in out and out["submission_date"] is None and record is not None:
        out["submission_date"] = record.submission_date  # a result stored before it was kept
    if "organisms" in out and all(isinstance(name, str) for name in out["organisms"]):
        out["organisms"] = organism_objects(out["organisms"], extra.get("taxon_ids"))
    if "platforms" in out and all(isinstance(name, str) for name in out["platforms"]):
        out["platforms"] = platform_objects(out["platforms"], extra.get("platform_titles"))
    return out


def compact_hit(hit: Hit) -> dict[str, Any]:
    """What is kept of a hit not yet shown: enough to explain it later (:func:`result_view`)."""
    return {
        "accession": hit.accession,
        "score": hit.score,
        "terms": list(hit.terms),
        "phrases": list(hit.phrases),
        "also": list(hit.also),
    }


def compact_row(hit: Hit) -> dict[str, Any]:
    """A stored result row of a hit not yet shown: ``{"hit": ...}``, plus ``missing`` beside it
    for a partial match. Beside, not inside: the previous release builds ``Hit(**row["hit"])``
    and must still read the rows this one writes (rolling upgrades)."""
    return {"hit": compact_hit(hit)} | ({"missing": list(hit.missing)} if hit.missing else {})


def completed_document(
    engine: Explainer,
    request: SearchRequest,
    outcome: SearchOutcome,
    offset: int = 0,
    limit: int | None = None,
) -> dict[str, Any]:
    """The serialisable, deterministic result of a search (results ``offset..offset+limit``).

    With no ``limit`` (a stored v2 search) only the first page is materialised; the engine
    explained it while searching. Later hits stay compact rows ``{"hit": {...}}`` that
    :meth:`SearchStore.page` materialises when a page is first read, so completing a search
    never pays for explaining up to a thousand results nobody may look at.
    """
    hits = outcome.hits[offset:] if limit is None else outcome.hits[offset : offset + limit]
    head = hits if limit is not None else hits[: request.page_size]
    compact = [compact_row(hit) for hit in hits[len(head) :]]
    return {
        "query": request.query,
        "similar_to": list(request.similar_to),
        "parsed": outcome.parsed,
        "total": outcome.total,
        "total_partial": outcome.total_partial,
        "results": [result_view(engine, hit) for hit in head] + compact,
        "facets": outcome.facets,
        "corpus_version": outcome.corpus_version,
        # What every result is explained by (the engine ranks all hits for the same words), so
        # the search store may keep results as accessions and scores (packed-results).
        "explained_by": _explained_by(outcome.hits),
    }


def _explained_by(hits: Sequence[Hit]) -> dict[str, Any]:
    first = hits[0] if hits else Hit("", 0.0)
    return {
        "terms": list(first.terms),
        "phrases": list(first.phrases),
        "also": list(first.also),
        # What each partial match misses (full matches miss nothing and are not listed).
        "missing": {hit.accession: list(hit.missing) for hit in hits if hit.missing},
    }
