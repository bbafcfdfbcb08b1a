"""The engine's phrase and proximity bonus (omics.search.ranking.proximity_bonus) on a bounded pool.

The bm25s engine reads the text of its best candidates to see whether the query words occur
together. Here the index answers that, in one query over the pool's documents (or, where the
query's words are rare, over the whole index: :func:`flags_anywhere`): phrase queries on title
and summary, exact (allowing a stop word between words, as the engine's test does) and near
(within ``PROXIMITY_GAP`` words), each scoring a distinct power of two, so each hit's score
says which of the four it holds. The title's stem count (a fast field) tells whether the
query *is* the title. No stored text is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tantivy
from tantivy import Occur, Query

from omics.search.ranking import PHRASE_BONUS, PROXIMITY_BONUS, PROXIMITY_GAP, TITLE_MATCH_BONUS
from omics.search.shared_index.queries import phrase_in
from omics.search.shared_index.schema import SERIES_TEXT

# Documents of a test's rarest word, per pooled record, above which the test is intersected with
# the pool on its own: walking a word's postings costs about 80 ns a document at 250k series,
# looking a pooled record up by accession about 5 us (measured over the bench/scale.py mix).
NESTED_PER_MEMBER = 120


def flags(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    among: Sequence[str],
    tests: Sequence[tuple[Query, int]],
) -> dict[int, int]:
    """Per document of ``among`` (accessions) matching any test, the bit mask of the tests it passes.

    Each test comes with the documents its rarest word is in. An optional clause walks every
    posting of its words, not only the pool's, which for common words ("breast cancer") costs
    tens of milliseconds at 250k series; such a test is intersected with the pool on its own,
    at the price of looking the pool up again (about 2 ms for 400 records at 250k series), so
    only where its words are common for the pool's size (:data:`NESTED_PER_MEMBER`).
    """
    members = Query.const_score_query(Query.term_set_query(schema, "accession", list(among)), 0.0)
    nested_above = NESTED_PER_MEMBER * len(among)
    clauses = [
        (
            Occur.Should,
            Query.const_score_query(_within(members, test, walked > nested_above), float(1 << bit)),
        )
        for bit, (test, walked) in enumerate(tests)
    ]
    query = Query.boolean_query([(Occur.Must, members), *clauses])
    return _bits(searcher, [hit for hit in searcher.search(query, len(among), count=False).hits if hit[0]])


def flags_anywhere(
    searcher: tantivy.Searcher, tests: Sequence[tuple[Query, int]], bound: int
) -> dict[int, int] | None:
    """Per document passing any test, the bit mask of the tests it passes, from one query over
    the whole index (no pool to look up); None if more than ``bound`` documents pass one.

    Where the tests' words are rare, walking their postings costs less than looking the pool
    up by accession (about 2 us a record at 250,000 series), and the tests walk them anyway.
    """
    clauses = [
        (Occur.Should, Query.const_score_query(test, float(1 << bit))) for bit, (test, _) in enumerate(tests)
    ]
    found = searcher.search(Query.boolean_query(clauses), max(bound, 1), count=True)
    if int(found.count) > bound:  # type: ignore[attr-defined]
        return None
    return _bits(searcher, found.hits)


def _bits(searcher: tantivy.Searcher, hits: list[tuple[Any, tantivy.DocAddress]]) -> dict[int, int]:
    """Per hit's document id, its score (a sum of distinct powers of two) as a bit mask."""
    docs = searcher.fast_field_values("doc", [address for _score, address in hits])
    return {int(d or 0): round(score) for (score, _address), d in zip(hits, docs, strict=True)}


def proximity_bound(doc_freq: DocFreq, stems: list[str], phrases: Sequence[Sequence[str]]) -> int:
    """At most how many documents pass a test of :func:`proximity_tests`: in each field tested,
    those holding the field's rarest stem of each phrase (and the title's of the whole query,
    when it is tested apart)."""
    bound = sum(min(doc_freq(name, stem) for stem in phrase) for phrase in phrases for name in PHRASE_BONUS)
    if _whole_apart(stems, phrases):
        bound += min(doc_freq("title", stem) for stem in stems)
    return bound


def _whole_apart(stems: list[str], phrases: Sequence[Sequence[str]]) -> bool:
    """Is the query's being the title tested apart from the phrases (bit 4 of :func:`proximity_tests`)?"""
    return [list(phrase) for phrase in phrases] != [stems] and len(stems) >= 3


def _within(members: Query, test: Query, nested: bool) -> Query:
    if not nested:
        return test
    return Query.boolean_query([(Occur.Must, members), (Occur.Must, test)])


DocFreq = Callable[[str, str], int]
"""Documents holding a stem in a field: ``doc_freq(field_name, stem)``."""


def rarest(doc_freq: DocFreq, stems: Sequence[str]) -> int:
    """Documents holding the least frequent of ``stems`` (in the field where it is most frequent)."""
    return min((max(doc_freq(name, stem) for name in SERIES_TEXT) for stem in stems), default=0)


def proximity_tests(
    doc_freq: DocFreq,
    schema: tantivy.Schema,
    stems: list[str],
    phrases: Sequence[Sequence[str]] | None = None,
) -> list[tuple[Query, int]]:
    """The bonus's tests for :func:`flags` (bits 0-3: exact and near, title then summary, each
    passed by any of ``phrases``); none for fewer than two stems.

    ``phrases``: the stems of what the bonus looks for (omics.search.ranking.phrases_of): the
    query's ``stems`` together (None), or each name of more than one word the query gave its topic in
    brackets. For the latter, bit 4 is the query's stems together in the title, which alone
    tells whether the query *is* the title (:func:`bonus_of`).
    Matched without scoring (constant scores), tantivy's slop bounds the gaps between
    consecutive words: one word between, as the engine's exact test allows a stop word (beyond
    two words not always: :func:`_exact`); PROXIMITY_GAP words, as its near test.
    """
    if len(stems) < 2:
        return []
    phrases = [stems] if phrases is None else phrases
    walked = sum(rarest(doc_freq, phrase) for phrase in phrases)
    tests = [
        (_any([_phrase(schema, field_name, list(phrase), slop) for phrase in phrases]), walked)
        for field_name in PHRASE_BONUS
        for slop in (1, PROXIMITY_GAP)
    ]
    if _whole_apart(stems, phrases):
        tests.append((_exact(schema, "title", stems), rarest(doc_freq, stems)))
    return tests


def _phrase(schema: tantivy.Schema, field_name: str, stems: list[str], slop: int) -> Query:
    """One phrase test: the engine's exact test (a slop of one) or its near test."""
    if slop == 1:
        return _exact(schema, field_name, stems)
    return phrase_in(schema, field_name, list(enumerate(stems)), slop)


def _any(queries: list[Query]) -> Query:
    """Documents passing one of ``queries`` (none when there is none: a query naming its topic by
    one-word names only)."""
    if not queries:
        return Query.empty_query()
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def _exact(schema: tantivy.Schema, field_name: str, stems: list[str]) -> Query:
    """The engine's exact test (a stop word allowed between two words) in one field.

    Beyond two words a slop of one misses a stop word between the middle words (a title pasted
    as the query, "Genomic Profiling of Neuroblastoma Cell Lines", was not found exact), so each
    gap's stop word is also a phrase of its own: the words with one position left after the gap.
    """
    exact = phrase_in(schema, field_name, list(enumerate(stems)), 1)
    if len(stems) < 3:
        return exact
    shifted = [
        phrase_in(schema, field_name, [(i + (i >= gap), stem) for i, stem in enumerate(stems)])
        for gap in range(1, len(stems))
    ]
    return Query.boolean_query([(Occur.Should, q) for q in (exact, *shifted)])


def bonus_of(
    masks: Sequence[int], title_stems: Sequence[int], stems: list[str], tests: int = 2 * len(PHRASE_BONUS)
) -> np.ndarray:
    """Multiplicative bonus per pool document (as the engine's) from its bits of the ``tests``
    :func:`proximity_tests` gave (the query *is* the title: bit 4 if there is one, else bit 0).

    Whole-pool array operations, each adding a float32 (zero where a document earns nothing,
    which changes no sum), in the engine's order: a field's exact bonus, the title's known-item
    bonus, else the field's near bonus.
    """
    bits = np.asarray(masks, dtype=np.int64)
    whole = (bits >> (2 * len(PHRASE_BONUS) if tests > 2 * len(PHRASE_BONUS) else 0) & 1).astype(bool)
    bonus = np.ones(len(bits), dtype=np.float32)
    nothing = np.float32(0.0)
    for position, (field_name, weight) in enumerate(PHRASE_BONUS.items()):
        exact = (bits >> (2 * position) & 1).astype(bool)
        near = (bits >> (2 * position + 1) & 1).astype(bool) & ~exact
        bonus += np.where(exact, np.float32(weight), nothing)
        if field_name == "title" and len(stems) >= 3:
            # the query *is* this title: a pasted known item
            is_title = whole & (np.asarray(title_stems, dtype=np.int64) == len(stems))
            bonus += np.where(is_title, np.float32(TITLE_MATCH_BONUS), nothing)
        bonus += np.where(near, np.float32(PROXIMITY_BONUS), nothing)
    return bonus
