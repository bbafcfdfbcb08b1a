"""What the engine's query understanding asks of the index beyond one search's retrieval.

Spelling correction (omics.search.spelling) needs the index's stems with how many series hold each
(:func:`stem_counts`, read from the term dictionary) and the series holding a stem most
strongly (:func:`best_holder`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tantivy import Occur, Query

from omics.search.shared_index.queries import SharedQuery, ranked, restrictions
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
