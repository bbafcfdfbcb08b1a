"""The search vocabulary shared by the engine, the Celery task, both API versions and the benchmarks.

These types are the seam between the domain core (``omics``) and everything that serves it:
the web layer builds a :class:`SearchRequest` from JSON, the engine answers with a
:class:`SearchOutcome`, and the task reports each stage through a :class:`ProgressCallback`
as it really happens. Nothing here imports Flask or Celery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

SortOrder = Literal["relevance", "sample_count"]
STAGES: tuple[str, ...] = ("parse", "retrieve", "rank", "facets", "finish")


@dataclass(frozen=True)
class SearchFilters:
    """Exact, server-side restrictions; an empty tuple or None means 'no restriction'."""

    organisms: tuple[str, ...] = ()
    series_types: tuple[str, ...] = ()
    min_samples: int | None = None
    max_samples: int | None = None


@dataclass(frozen=True)
class SearchRequest:
    """What a user asked for: free text, example accessions, or both."""

    query: str = ""
    similar_to: tuple[str, ...] = ()
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: SortOrder = "relevance"
    page_size: int = 20


@dataclass
class Hit:
    """One ranked series with the evidence for its place in the ranking."""

    accession: str
    score: float
    highlights: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    # The query words and phrases this hit was ranked for, so highlights and reasons can be
    # computed later for any page (SearchEngine.result) without re-parsing the query.
    terms: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    # Other names of the query's concepts (ontology synonyms) that were searched too, so a
    # series found through "paralysis agitans" for "Parkinson's disease" can say so.
    also: list[str] = field(default_factory=list)


@dataclass
class SearchOutcome:
    """A completed search: how the query was understood, every ranked match, and facets.

    ``hits`` holds the whole ranked match list (capped by the engine); pages are slices of it,
    so a cursor over a stored outcome never skips or repeats a result.
    """

    parsed: dict[str, Any]
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    corpus_version: int


class ProgressCallback(Protocol):
    """Called by the engine when a pipeline stage really finishes (stage in :data:`STAGES`)."""

    def __call__(self, stage: str, progress: int, detail: dict[str, Any]) -> None: ...
