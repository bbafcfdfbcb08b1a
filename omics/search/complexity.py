"""How much work a query asks for, counted on what the parser understood, and its bounds.

A query's cost grows with what the parser reads in it, not with its length: each phrase and
each exclusion is a phrase check over the candidate records, each example adds a profile to
score. ``cell -"cell gene" -"cell gene" ...`` (76 exclusions in 993 characters) took 2 s a
search, so the bounds are on the parse, and a query over one is refused before it runs with
the name of the bound it broke. Nothing here imports Flask or Celery.
"""

from __future__ import annotations

from dataclasses import dataclass

from omics.search.query_parser import parse_query
from omics.search.request import SearchRequest


@dataclass(frozen=True)
class QueryLimits:
    """The most a query may ask for (``OMICS_MAX_QUERY_*``)."""

    terms: int = 32
    phrases: int = 8
    exclusions: int = 8
    examples: int = 50


@dataclass(frozen=True)
class QueryComplexity:
    """What a request asks the engine to do, counted the way the engine spends time."""

    terms: int
    phrases: int
    exclusions: int
    examples: int

    @classmethod
    def of(cls, request: SearchRequest) -> QueryComplexity:
        """Words ranked (free text and phrases), phrases, exclusions, and distinct examples."""
        parsed = parse_query(request.query)
        words = parsed.free_text.split() + [word for phrase in parsed.phrases for word in phrase.split()]
        examples = dict.fromkeys((*request.similar_to, *parsed.similar_to))
        return cls(len(words), len(parsed.phrases), len(parsed.excluded), len(examples))


class QueryTooComplex(ValueError):
    """A request over one of the bounds: ``limit`` names it, ``found`` and ``allowed`` say by how much."""

    def __init__(self, limit: str, found: int, allowed: int) -> None:
        super().__init__(f"the query has {found} {limit}; at most {allowed} are allowed")
        self.limit = limit
        self.found = found
        self.allowed = allowed


def check_complexity(request: SearchRequest, limits: QueryLimits) -> QueryComplexity:
    """The request's complexity; raises :class:`QueryTooComplex` at the first bound it exceeds."""
    complexity = QueryComplexity.of(request)
    for limit in ("terms", "phrases", "exclusions", "examples"):
        found, allowed = getattr(complexity, limit), getattr(limits, limit)
        if found > allowed:
            raise QueryTooComplex(limit, found, allowed)
    return complexity
