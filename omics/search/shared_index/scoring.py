"""What the engine's query understanding asks of the index beyond one search's retrieval.

Spelling correction (omics.search.spelling) needs the index's stems with how many series hold each
(:func:`stem_counts`, read from the term dictionary) and the series holding a stem most
strongly (:func:`best_holder`). A concept named with a word the index does not see ("type 1
diabetes") is told apart by reading the records that hold it as the index sees it
(:func:`held_only_by`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tantivy import Occur, Query

from omics.search.shared_index.queries import SharedQuery, Words, concept_queries, ranked, restrictions
from omics.search.shared_index.store import SharedIndex


def stem_counts(shared: SharedIndex, fields: Sequence[str]) -> dict[str, int]:
    """Every stem of ``fields`` with the series holding it in the field holding it most (as the
    bm25s index counts: omics.search.index.SegmentedIndex.stem_counts). Deleted documents not
    yet merged away still count: a dictionary's weights need not be exact."""
    searcher = shared.searcher()
    counts: dict[str, int] = {}
    for name in fields:
        for stem, count in searcher.terms_with_prefix(name, ""):
            if count > counts.get(stem, 0):
                counts[stem] = count
    return counts


def best_holder(shared: SharedIndex, stem: str, field_weights: Mapping[str, float]) -> int | None:
    """The visible series scoring highest for ``stem`` alone (its document id), if any holds it."""
    schema = shared.index.schema
    scoring = ranked(schema, SharedQuery(weights={stem: 1.0}), field_weights)
    if scoring is None:
        return None
    query = Query.boolean_query([(Occur.Must, scoring), *restrictions(schema, SharedQuery(), shared.hidden)])
    searcher = shared.searcher()
    hits = searcher.search(query, 1, count=False).hits
    if not hits:
        return None
    return int(searcher.fast_field_values("doc", [hits[0][1]])[0] or 0)


Names = Sequence[tuple[Words, int | None]]
"""Names of a concept as :class:`SharedQuery` gives them: (words, slop)."""


def held_only_by(shared: SharedIndex, names: Names, others: Names, limit: int) -> list[int]:
    """Visible series (document ids) holding one of ``names`` as the index sees them and none of
    ``others``: at most ``limit``, those scoring highest for the names first."""
    schema = shared.index.schema
    held, *other = concept_queries(schema, SharedQuery(concepts=[names, others] if others else [names]))
    clauses = [(Occur.Must, held), *[(Occur.MustNot, q) for q in other]]
    query = Query.boolean_query(clauses + restrictions(schema, SharedQuery(), shared.hidden))
    searcher = shared.searcher()
    hits = searcher.search(query, limit, count=False).hits
    return [int(d or 0) for d in searcher.fast_field_values("doc", [address for _score, address in hits])]
