"""What a researcher asks for: free text, example series, filters, sort and page size.

The web layer builds a :class:`SearchRequest` from JSON, the cache keys on it, the search
store persists it (:func:`request_to_dict` / :func:`request_from_dict`) and the engine answers
it. Nothing here imports Flask or Celery.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SortOrder = Literal["relevance", "sample_count", "newest"]


@dataclass(frozen=True)
class SearchFilters:
    """Exact, server-side restrictions; an empty tuple or None means 'no restriction'."""

    organisms: tuple[str, ...] = ()
    series_types: tuple[str, ...] = ()
    min_samples: int | None = None
    max_samples: int | None = None
    submitted_after: str | None = None  # YYYY-MM-DD, inclusive
    submitted_before: str | None = None  # YYYY-MM-DD, inclusive


@dataclass(frozen=True)
class SearchRequest:
    """What a user asked for: free text, example accessions, or both."""

    query: str = ""
    similar_to: tuple[str, ...] = ()
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: SortOrder = "relevance"
    page_size: int = 20


def request_to_dict(request: SearchRequest) -> dict[str, Any]:
    """The request as JSON-ready data (tuples as lists), the inverse of :func:`request_from_dict`."""
    data = asdict(request)
    data["similar_to"] = list(request.similar_to)
    data["filters"] = filters_to_dict(request.filters)
    return data


def filters_to_dict(filters: SearchFilters) -> dict[str, Any]:
    """The filters as JSON-ready data (tuples as lists): stored requests and the parsed view show them so."""
    return {
        **asdict(filters),
        "organisms": list(filters.organisms),
        "series_types": list(filters.series_types),
    }


def request_from_dict(data: dict[str, Any]) -> SearchRequest:
    filters = data.get("filters") or {}
    return SearchRequest(
        query=data.get("query", ""),
        similar_to=tuple(data.get("similar_to", ())),
        filters=SearchFilters(
            organisms=tuple(filters.get("organisms", ())),
            series_types=tuple(filters.get("series_types", ())),
            min_samples=filters.get("min_samples"),
            max_samples=filters.get("max_samples"),
            submitted_after=filters.get("submitted_after"),
            submitted_before=filters.get("submitted_before"),
        ),
        sort=data.get("sort", "relevance"),
        page_size=int(data.get("page_size", 20)),
    )
