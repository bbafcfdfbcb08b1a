"""What the engine's query understanding asks of the index beyond one search's retrieval.

Spelling correction (omics.search.spelling) needs the index's stems with how many series hold each
(:func:`stem_counts`, read from the term dictionary) and the series holding a stem most
strongly (:func:`best_holder`). A concept named with a word the ranked fields do not see
("type 1 diabetes") is told apart in the records that hold it as they see it
(:func:`held_only_by`), by the words around one-character words (:func:`phrase_candidates`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tantivy import Occur, Query

from omics.search.highlight import PhraseTest
from omics.search.shared_index.exact import NEAR_SHORT, any_of, possible, sure
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


def held_only_by(
    shared: SharedIndex, names: Names, others: Names, limit: int, also: Sequence[tuple[Occur, Query]] = ()
) -> list[int]:
    """Visible series (document ids) holding one of ``names`` as the index sees them and none of
    ``others``: at most ``limit``, those scoring highest for the names first. ``also``: clauses
    scoring nothing that narrow them further; a series among the first ``limit`` without them
    that passes them is among the first ``limit`` with them (the order is the same)."""
    schema = shared.index.schema
    held, *other = concept_queries(schema, SharedQuery(concepts=[names, others] if others else [names]))
    clauses = [(Occur.Must, held), *[(Occur.MustNot, q) for q in other], *also]
    query = Query.boolean_query(clauses + restrictions(schema, SharedQuery(), shared.hidden))
    searcher = shared.searcher()
    hits = searcher.search(query, limit, count=False).hits
    return [int(d or 0) for d in searcher.fast_field_values("doc", [address for _score, address in hits])]


@dataclass(frozen=True)
class PhraseCandidates:
    """The series a name with a one-character word must be checked in (:func:`held_only_by`'s),
    with what the index tells of them (:mod:`.exact`): ``held``, those it shows holding the
    name; ``unsure``, those that may hold it (None: any may). The rest do not hold it."""

    docs: list[int]
    held: set[int]
    unsure: set[int] | None

    def to_read(self, doc: int) -> bool | None:
        """Must ``doc``'s text be read? (False: it holds the name; None: it does not.)"""
        if doc in self.held:
            return False
        return True if self.unsure is None or doc in self.unsure else None


def phrase_candidates(
    shared: SharedIndex, names: Names, others: Names, tests: Sequence[PhraseTest], limit: int
) -> PhraseCandidates:
    """The first ``limit`` series holding ``names`` as the index sees them and none of ``others``,
    and which of them the index shows holding one of the phrases ``tests`` test (or not)."""
    docs = held_only_by(shared, names, others, limit)
    schema = shared.index.schema
    searcher = shared.searcher()

    def forms(letters: str) -> list[tuple[str, int]]:
        return searcher.terms_with_prefix(NEAR_SHORT, letters)

    sure_of = [q for q in (sure(schema, test, forms) for test in tests) if q is not None]
    sure_query = any_of(sure_of) if sure_of and docs else None
    held = set()
    if sure_query is not None:
        held = set(
            held_only_by(
                shared, names, others, limit, [(Occur.Must, Query.const_score_query(sure_query, 0.0))]
            )
        )
    maybe = [possible(schema, test, forms) for test in tests if not test.empty]
    if None in maybe:
        return PhraseCandidates(docs, held, None)
    narrowed = [(Occur.MustNot, sure_query)] if sure_query is not None else []
    found = [q for q in maybe if q is not None]
    unsure = set()
    if found and docs:
        unsure = set(
            held_only_by(
                shared,
                names,
                others,
                limit,
                [(Occur.Must, Query.const_score_query(any_of(found), 0.0)), *narrowed],
            )
        )
    return PhraseCandidates(docs, held, unsure)
