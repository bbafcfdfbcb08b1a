"""The engine's parsed query as tantivy queries: fielded boosted terms, phrases, exclusions, filters.

Everything is built from stems (the index analyses text exactly as the engine tokenises), so
the layer needs no query syntax of its own. Filters and exclusions are written so that they
score nothing (constant 0): only the query's words and their other names move a ranking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import tantivy
from tantivy import Occur, Query

from omics.search.facets import day_number
from omics.search.index import stemmed_text
from omics.search.request import SearchFilters
from omics.search.shared_index.schema import KIND_SERIES, SERIES_TEXT, analyser

_ANALYSER = analyser()
FULL_MATCH_LIFT = 10_000.0  # added to every full match's score, so full matches rank first

Words = Sequence[tuple[int, str]]
"""A name's stems with their positions in it: its stop words leave gaps, as in the index
(:func:`positioned`), so "carcinoma of the urinary bladder" is carcinoma 0, urinari 3, bladder 4."""


@dataclass(frozen=True)
class OtherName:
    """Another name of a query concept (omics.search.vocabulary.Expansion): its stems, its weight,
    the stems of the query words it names the concept for (``Expansion.matched``), its stems'
    positions in the name (:data:`Words`; empty: one after another, as a name without stop words),
    and the series (accessions) the engine read and found not to hold it though the index says
    they do (another word in a gap: "endometrioid endometrial carcinoma")."""

    stems: Sequence[str]
    weight: float
    of: Sequence[str]
    positions: Sequence[int] = ()
    unheld: Sequence[str] = ()

    @property
    def words(self) -> list[tuple[int, str]]:
        """The name's stems with their positions (:data:`Words`)."""
        return list(zip(self.positions or range(len(self.stems)), self.stems, strict=True))


@dataclass(frozen=True)
class SharedQuery:
    """What to retrieve, as the engine understood it (stems, not words).

    ``concepts``: per concept the query requires, the alternative names covering it, as
    (words, slop) (:data:`Words`): a record covers the concept if it holds every stem of one
    name, anywhere when the slop is None, else in order with at most that many words more than
    the name's own gaps (1: the engine's exact test, a stop word more in a gap; the index
    cannot tell a stop word's gap from another word, so the engine reads what it is unsure of). ``weights``:
    query weight per ranked stem. ``names``: other names of the query's concepts
    (:class:`OtherName`), credited where they occur as phrases (:func:`names_credit`).
    ``boost``: stems that add to the score of what the rest matches but match nothing
    themselves (an example profile beside the user's words). ``disproved``:
    per concept, series whose text the engine read and found not to hold it, though the index's
    stems say they do (a one-character word).
    """

    weights: Mapping[str, float] = field(default_factory=dict)
    concepts: Sequence[Sequence[tuple[Words, int | None]]] = ()
    disproved: Sequence[Sequence[str]] = ()
    boost: Mapping[str, float] = field(default_factory=dict)
    names: Sequence[OtherName] = ()
    phrases: Sequence[str] = ()
    excluded: Sequence[str] = ()
    pinned: Sequence[str] = ()  # accessions named in the query: matches whatever their text
    platforms: Sequence[str] = ()
    within: Sequence[str] | None = None
    left_out: Sequence[str] = ()  # accessions never answered (query-by-example's examples)
    browse: bool = True  # with no words and no pinned series: every series (False: none)
    filters: SearchFilters = field(default_factory=SearchFilters)


def positioned(text: str) -> list[tuple[int, str]]:
    """The stems of ``text`` with their positions (stop words leave gaps, as in the index)."""
    return [(token.position, token.text) for token in _ANALYSER.pre_tokenize(stemmed_text(text)).tokens]


def name_words(text: str, stems: Sequence[str]) -> list[tuple[int, str]]:
    """A name's ``stems`` (omics.search.ranking.query_stems of ``text``) with their positions in
    it (:data:`Words`); one after another where the index reads other tokens (a repeated word)."""
    words = positioned(text)
    return words if [stem for _p, stem in words] == list(stems) else list(enumerate(stems))


def _all(schema: tantivy.Schema, occur: Occur, queries: Sequence[Query]) -> Query:
    return Query.boolean_query([(occur, q) for q in queries])


def term_anywhere(schema: tantivy.Schema, stem: str, field_weights: Mapping[str, float]) -> Query:
    """One stem in any ranked field, each field's BM25 times its weight (summed, as the engine does)."""
    return _all(
        schema,
        Occur.Should,
        [Query.boost_query(Query.term_query(schema, name, stem), w) for name, w in field_weights.items()],
    )


def held_anywhere(schema: tantivy.Schema, stem: str) -> Query:
    """Records holding ``stem`` in any series text field (scoring each field's BM25)."""
    return _all(schema, Occur.Should, [Query.term_query(schema, name, stem) for name in SERIES_TEXT])


def phrase_in(schema: tantivy.Schema, name: str, words: Sequence[tuple[int, str]], slop: int = 0) -> Query:
    """The stems in order in one field (within ``slop`` moves); a single stem is a term."""
    if len(words) == 1:
        return Query.term_query(schema, name, words[0][1])
    return Query.phrase_query(schema, name, list(words), slop)


def phrase_anywhere(schema: tantivy.Schema, text: str, fields: Sequence[str] = SERIES_TEXT) -> Query | None:
    """``text`` as a phrase in any of ``fields``; None if it has no indexed word."""
    words = positioned(text)
    if not words:
        return None
    return _all(schema, Occur.Should, [phrase_in(schema, name, words) for name in fields])


def _nothing(query: Query) -> Query:
    return Query.const_score_query(query, 0.0)


def ranked(
    schema: tantivy.Schema,
    ask: SharedQuery,
    field_weights: Mapping[str, float],
    credits: Mapping[tuple[str, ...], Query] | None = None,
) -> Query | None:
    """The scoring part: every stem (weighted), every concept's other names
    (:func:`names_credit`, or ``credits`` where the caller built them: :func:`concepts_credit`),
    and the ``boost`` stems where those match; None if nothing to rank."""
    parts = [Query.boost_query(term_anywhere(schema, s, field_weights), w) for s, w in ask.weights.items()]
    parts += list((credits if credits is not None else concepts_credit(schema, ask, field_weights)).values())
    if not parts:
        return None
    scoring = _all(schema, Occur.Should, parts)
    if not ask.boost:
        return scoring
    extra = [Query.boost_query(term_anywhere(schema, s, field_weights), w) for s, w in ask.boost.items()]
    return Query.boolean_query([(Occur.Must, scoring), (Occur.Should, _all(schema, Occur.Should, extra))])


def weighted_stems_at(
    schema: tantivy.Schema, weights: Mapping[str, float], field_weights: Mapping[str, float]
) -> Query:
    """Sum of weight x field-weighted BM25 over stems (as omics.search.ranking.score_weighted_stems),
    to score the few documents a required clause names (a feedback model among the ranked hits):
    a disjunction-max with a tie-breaker of 1 (every clause added), which seeks each term to
    those documents where a boolean union walks every posting in windows (a 30-stem model among
    1,000 ranked hits at 250,000 series: 12 against 29 ms)."""
    terms = [
        Query.boost_query(Query.term_query(schema, name, stem), weight * field_weight)
        for stem, weight in weights.items()
        for name, field_weight in field_weights.items()
    ]
    return Query.disjunction_max_query(terms, 1.0)


def spans(ask: SharedQuery) -> dict[tuple[str, ...], list[OtherName]]:
    """The other names of ``ask`` by the query words they stand for (one concept's names each)."""
    grouped: dict[tuple[str, ...], list[OtherName]] = {}
    for name in ask.names:
        grouped.setdefault(tuple(name.of), []).append(name)
    return grouped


def name_credit(schema: tantivy.Schema, name: OtherName, field_weights: Mapping[str, float]) -> Query:
    """What another name earns a record, as the bm25s engine scores it
    (omics.search.ranking.score_expansions): where the name stands as a phrase in a field, its
    weight times the field-weighted BM25 of its words anywhere (the phrase only decides where:
    at the name's positions, a word more in a gap, as the engine's test allows a stop word)."""
    credit = words_score(schema, name.stems, field_weights)
    if len(name.stems) > 1:
        held = _all(schema, Occur.Should, [phrase_in(schema, n, name.words, 1) for n in field_weights])
        held = _nothing(held)
        credit = Query.boolean_query([(Occur.Must, held), (Occur.Must, credit)])
    return Query.boost_query(credit, name.weight)


def names_credit(
    schema: tantivy.Schema, names: Sequence[OtherName], field_weights: Mapping[str, float]
) -> Query:
    """What one concept's other names earn a record before they are held against the user's own
    words (omics.search.shared_index.retrieval): each name's :func:`name_credit`, summed, but
    none where the engine read the record and found none of them (:attr:`OtherName.unheld`).
    (The bm25s engine keeps the best name only; here that measured lower, docs/EVALUATION.md.)"""
    credits = [name_credit(schema, name, field_weights) for name in names]
    summed = credits[0] if len(credits) == 1 else _all(schema, Occur.Should, credits)
    return _but(schema, summed, sorted({a for name in names for a in name.unheld}))


def concepts_credit(
    schema: tantivy.Schema, ask: SharedQuery, field_weights: Mapping[str, float]
) -> dict[tuple[str, ...], Query]:
    """Each concept's :func:`names_credit`, by the query words it stands for (:func:`spans`):
    built once a search, for the ranked query and for reading the credit back (a concept of a
    dozen names is some fifty phrase queries to build)."""
    return {of: names_credit(schema, names, field_weights) for of, names in spans(ask).items()}


def words_score(schema: tantivy.Schema, stems: Sequence[str], field_weights: Mapping[str, float]) -> Query:
    """The stems' field-weighted BM25, summed (unweighted): a name's words, or the user's own
    words for a concept, which its other names are held against."""
    return _all(schema, Occur.Should, [term_anywhere(schema, s, field_weights) for s in stems])


def covering(schema: tantivy.Schema, concepts: Sequence[Query]) -> Query | None:
    """Records covering every concept (``concepts``: :func:`concept_queries`); None when there is none."""
    if not concepts:
        return None
    return _nothing(_all(schema, Occur.Must, concepts))


def implies_ranked(ask: SharedQuery, field_weights: Mapping[str, float]) -> bool:
    """Does covering every concept imply matching the ranked part (:func:`ranked`)?

    It does when one concept can only be covered by holding a ranked stem (every one of its
    names has one) or a searched other name as the same exact phrase: then counting the full
    matches need not evaluate the ranked words' union again, only the concepts.
    """
    if not set(SERIES_TEXT) <= set(field_weights):
        return False
    exact = {tuple(name.words) for name in ask.names}

    def held(words: Words, slop: int | None) -> bool:
        return any(s in ask.weights for _p, s in words) or (slop == 1 and tuple(words) in exact)

    return any(
        any(words for words, _slop in names) and all(held(words, slop) for words, slop in names if words)
        for names in ask.concepts
    )


def concept_queries(schema: tantivy.Schema, ask: SharedQuery) -> list[Query]:
    """Per concept, the records covering it (by any of its names), less those it was disproved for
    and those read and found not to hold an other name (:attr:`OtherName.unheld`) for that name."""
    unheld = {tuple(name.words): name.unheld for name in ask.names if name.unheld}
    queries = [
        _all(
            schema,
            Occur.Should,
            [
                _but(schema, _name_anywhere(schema, w, slop), unheld.get(tuple(w), ()))
                for w, slop in names
                if w
            ],
        )
        for names in ask.concepts
    ]
    for i, disproved in enumerate(ask.disproved):
        if disproved:
            gone = Query.term_set_query(schema, "accession", list(disproved))
            queries[i] = Query.boolean_query([(Occur.Must, queries[i]), (Occur.MustNot, gone)])
    return queries


def _but(schema: tantivy.Schema, query: Query, accessions: Sequence[str]) -> Query:
    """``query`` less the series ``accessions`` names (``query`` itself if none): term queries,
    read only where ``query`` leads (a term set marks its documents before the search starts,
    which cost about 2 ms a query at 8,091 series)."""
    if not accessions:
        return query
    return Query.boolean_query(
        [(Occur.Must, query), (Occur.MustNot, any_term(schema, "accession", accessions))]
    )


def _name_anywhere(schema: tantivy.Schema, words: Words, slop: int | None) -> Query:
    """A name's stems in any field: all of them (anywhere in the record), or as a phrase in one
    field (at the name's own positions, ``slop`` words more)."""
    if slop is not None:
        return _all(schema, Occur.Should, [phrase_in(schema, name, words, slop) for name in SERIES_TEXT])
    held = [held_anywhere(schema, s) for _p, s in words]
    return _all(schema, Occur.Must, held)


def restrictions(
    schema: tantivy.Schema, ask: SharedQuery, hidden: Sequence[int]
) -> list[tuple[Occur, Query]]:
    """Clauses every answer must pass, none of them scoring: phrases, exclusions, filters, visibility."""
    clauses: list[tuple[Occur, Query]] = []
    for phrase in ask.phrases:
        held = phrase_anywhere(schema, phrase)
        if held is not None:
            clauses.append((Occur.Must, _nothing(held)))
    for excluded in dict.fromkeys(ask.excluded):
        held = phrase_anywhere(schema, excluded)
        if held is not None:
            clauses.append((Occur.MustNot, held))
    clauses += [(Occur.Must, _nothing(q)) for q in _filters(schema, ask)]
    if ask.left_out:
        clauses.append((Occur.MustNot, Query.term_set_query(schema, "accession", list(ask.left_out))))
    return clauses + visible(schema, hidden)


def visible(schema: tantivy.Schema, hidden: Sequence[int]) -> list[tuple[Occur, Query]]:
    """The clause that leaves out the documents of staged, unpublished generations (none if none)."""
    if not hidden:
        return []
    return [(Occur.MustNot, Query.term_set_query(schema, "generation", list(hidden)))]


def series_named(schema: tantivy.Schema, accessions: Sequence[str], hidden: Sequence[int]) -> Query:
    """The visible series documents of ``accessions`` (a record has one: a publish deletes the
    documents it supersedes, and a staged one is hidden)."""
    named = Query.term_set_query(schema, "accession", list(accessions))
    return Query.boolean_query([(Occur.Must, named), *visible(schema, hidden)])


def _filters(schema: tantivy.Schema, ask: SharedQuery) -> list[Query]:
    """The exact filters; an unknown sample count (-1) or date (0) fails any bound on it."""
    f, out = ask.filters, []
    for name, wanted in (
        ("organisms", f.organisms),
        ("series_types", f.series_types),
        ("platforms", ask.platforms),
    ):
        if wanted:
            out.append(any_term(schema, f"{name}_key", [w.casefold() for w in wanted]))
    for name, low, high in (
        ("sample_count", f.min_samples, f.max_samples),
        ("submitted", day_number(f.submitted_after) or None, day_number(f.submitted_before) or None),
    ):
        if low is not None or high is not None:
            lowest = low if low is not None else 1 if name == "submitted" else 0
            out.append(
                Query.range_query(
                    schema, name, tantivy.FieldType.Integer, lowest, high if high is not None else 2**62
                )
            )
    if ask.within is not None:
        out.append(Query.term_set_query(schema, "accession", list(ask.within)))
    return out


def any_term(schema: tantivy.Schema, name: str, values: Sequence[str]) -> Query:
    """Documents holding one of ``values`` in field ``name``.

    Term queries, not a term set: a set is answered by marking every document of its terms in
    a bitset before the search starts, which for a filter most records pass (Homo sapiens) is
    all of the index; term postings are only read where the other clauses lead.
    """
    terms = [Query.term_query(schema, name, value) for value in dict.fromkeys(values)]
    return terms[0] if len(terms) == 1 else _all(schema, Occur.Should, terms)


def matching(schema: tantivy.Schema, ask: SharedQuery, scoring: Query | None) -> Query:
    """What a record must match to be an answer: a ranked word or other name, or a pinned accession;
    with neither, every series (filters alone) or none (the query named only series not found)."""
    either = []
    if scoring is not None:
        either.append(scoring)
    if ask.pinned:
        either.append(_nothing(Query.term_set_query(schema, "accession", list(ask.pinned))))
    if not either:
        return _nothing(Query.term_query(schema, "kind", KIND_SERIES)) if ask.browse else Query.empty_query()
    return _all(schema, Occur.Should, either)
