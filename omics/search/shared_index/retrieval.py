"""One search over the shared index: ranked candidates, counts and facets of the whole match set.

Two index passes, whatever the corpus size: one query returns the best ``limit`` candidates
and the number of matches (full matches are lifted above partial ones by a constant, so one
ranking holds both tiers in the engine's order), one aggregation counts the full matches and
their facets from fast fields. The engine's proximity re-rank then runs on the first
``pool`` candidates of each tier (:mod:`.rerank`); nothing reads a stored document. Where the
query's concepts have other names, two more queries per concept, over the records holding
those names, hold their credit against the user's own words (:func:`_corroborated`); where
the ranking reaches the partial matches, one more scales their words by the share of the
query's words each holds (:func:`_covered`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import tantivy
from tantivy import Occur, Order, Query

from omics.search.ranking import COVERAGE_EXPONENT, corroborate, coverage, sample_size_weighted
from omics.search.shared_index.facets import facet_counts
from omics.search.shared_index.queries import (
    FULL_MATCH_LIFT,
    OtherName,
    SharedQuery,
    concept_queries,
    concepts_credit,
    covering,
    held_anywhere,
    implies_ranked,
    matching,
    ranked,
    restrictions,
    series_named,
    spans,
    weighted_stems_at,
    words_score,
)
from omics.search.shared_index.rerank import (
    DocFreq,
    bonus_of,
    flags,
    flags_anywhere,
    proximity_bound,
    proximity_tests,
    rarest,
)
from omics.search.shared_index.store import SharedIndex

SORT_FIELDS = {"sample_count": "sample_count", "newest": "submitted"}
# Full matches named one by one for their count and facets, at most: naming them costs about
# 0.3 ms and 2.2 us a name at 250,000 series, evaluating the concepts' query again 0.2-5 ms (over
# the bench/scale.py mix: named is cheaper up to some 70-200 matches, dearer from 200 on).
FACETS_BY_NAME = 100
# Documents that may pass the bonus's tests, per pooled record, up to which the tests look at
# the whole index rather than the pool (each such document costs about 0.3 us to read back,
# each pooled record about 2.2 us to look up, and the lookup 0.3 ms).
ANYWHERE_PER_MEMBER = 8
# Matches of an other names' credit query collected whole rather than looked up among the
# ranked hits by accession (:func:`_credit_of`); collecting a hit costs well under a
# microsecond, looking the 1,000 ranked hits up about 2 ms at 250,000 series.
CREDIT_ALONE = 4_000
# Query stems whose presence one query reads (a score summing distinct powers of two, exact in float32).
HELD_BITS = 20

StemScorer = Callable[[Mapping[str, float]], np.ndarray]
Resemble = Callable[[np.ndarray, np.ndarray, list[int], StemScorer], np.ndarray]
"""Partial matches ordered by their resemblance to the full ones (the engine's
omics.search.feedback.with_partial_feedback): from the ranked hits' scores, which of them are
full matches, their document ids and a scorer of weighted stems over them, their new scores."""


def hit_count(result: tantivy.SearchResult) -> int:
    """The number of matches a search counted (tantivy-py 0.27 has it; its type stub omits it)."""
    count: int = result.count  # type: ignore[attr-defined]
    return count


@dataclass
class Retrieved:
    """Ranked document ids (full matches first) with their scores, the counts and the facets.

    ``missing``: per partial match of the first pool, the indices of the concepts it does not cover.
    """

    docs: list[int]
    scores: list[float]
    full: list[bool]
    total: int
    total_partial: int
    facets: dict[str, dict[str, int]]
    missing: dict[int, list[int]] = field(default_factory=dict)


def retrieve(
    shared: SharedIndex,
    ask: SharedQuery,
    field_weights: Mapping[str, float],
    proximity_stems: list[str],
    accession_of: Callable[[int], str],
    known: int,
    limit: int,
    pool: int,
    sort: str = "relevance",
    resemble: Resemble | None = None,
    phrases: Sequence[Sequence[str]] | None = None,
    names: Sequence[Sequence[str]] = (),
) -> Retrieved:
    """Answer ``ask``: at most ``limit`` ranked candidates, the first ``pool`` of each tier re-ranked.

    ``accession_of(doc)`` names a document (the pool is addressed by accession: a set of text
    terms is found in the term dictionary, a set of integers only by a scan) whose id is below
    ``known``: the caller's store holds those. tantivy's reader follows commits by itself, so a
    document another process published since the caller read its store waits for its reload.
    ``phrases``: the stems of what the proximity bonus looks for, when not ``proximity_stems``
    together (None) (omics.search.ranking.phrases_of, :func:`.rerank.proximity_tests`).
    ``names``: the stems of each name the query gave its topic in brackets, which coverage
    counts as alternatives (omics.search.ranking.coverage, :func:`_covered`).
    """
    phrases = [proximity_stems] if phrases is None else phrases
    searcher, schema = shared.searcher(), shared.index.schema
    restricted = restrictions(schema, ask, shared.hidden)
    credits = concepts_credit(schema, ask, field_weights)
    must = [(Occur.Must, matching(schema, ask, ranked(schema, ask, field_weights, credits))), *restricted]
    concepts = concept_queries(schema, ask)
    cover = covering(schema, concepts)

    def full_matches() -> Query:
        return Query.boolean_query(must + ([(Occur.Must, cover)] if cover is not None else []))

    lifted = [(Occur.Should, Query.const_score_query(cover, FULL_MATCH_LIFT))] if cover is not None else []
    result = searcher.search(Query.boolean_query(must + lifted), limit, count=True)
    addresses, docs, raw = _held(searcher, result.hits, known)
    full = raw >= FULL_MATCH_LIFT / 2 if cover is not None else np.ones(len(raw), dtype=bool)
    counted = _full_matches_counted(shared, docs, full, hit_count(result), accession_of)
    if counted is None:
        if cover is not None and implies_ranked(ask, field_weights):  # the same documents, fewer clauses
            counted = Query.boolean_query([(Occur.Must, cover), *restricted])
        else:
            counted = full_matches()
    total, facets = facet_counts(searcher, counted)
    gaps = _ConceptTests(shared, ask, concepts, accession_of, pool)
    if sort in SORT_FIELDS and hit_count(result) > limit:
        found = _sorted(shared, must, full_matches(), cover, total, facets, limit, known, SORT_FIELDS[sort])
        return gaps.mark(found)
    scores = np.where(full & (cover is not None), raw - FULL_MATCH_LIFT, raw)

    def among(ranks: Sequence[int]) -> Query:
        named = series_named(schema, [accession_of(docs[i]) for i in ranks], shared.hidden)
        return Query.const_score_query(named, 0.0)

    widely = {
        of for of, names in spans(ask).items() if _credited_widely(shared.doc_freq, names, field_weights)
    }
    credited = {of: (query, of not in widely) for of, query in credits.items()}
    where = {(address.segment_ord, address.doc): i for i, address in enumerate(addresses)}
    ranked_scores = scores
    scores, credit = _corroborated(searcher, schema, field_weights, credited, where, among, scores)
    if not ask.boost and np.count_nonzero(full) < pool:  # no examples' profile; partial matches in reach
        words = ranked_scores - credit
        scores = _covered(searcher, schema, proximity_stems, names, where, among, scores, words, ~full)
    if resemble is not None:
        scores = _resembling(
            resemble, searcher, schema, field_weights, where, among, scores, full, docs, pool
        )
    if sort in SORT_FIELDS:  # every match is here: the engine's order
        values = np.array(searcher.fast_field_values(SORT_FIELDS[sort], addresses), dtype=np.int64)
        return gaps.mark(_by_value(docs, scores, full, values, total, hit_count(result) - total, facets))
    nearby = proximity_tests(shared.doc_freq, schema, proximity_stems, phrases)
    tiers = [np.flatnonzero(full), np.flatnonzero(~full)]
    if proximity_stems and not ask.left_out:  # a text search, not "more like these": as the engine
        counts = np.array(searcher.fast_field_values("sample_count", addresses), dtype=np.int64)
        scores = sample_size_weighted(scores, np.ones(len(scores), dtype=bool), counts)
    tiers = [tier[np.lexsort((np.array(docs)[tier], -scores[tier]))] for tier in tiers]
    heads = [tier[:pool].tolist() for tier in tiers]
    first, partial = ([docs[i] for i in head] for head in heads)
    masks = _pool_masks(
        shared, searcher, first, partial, accession_of, nearby, gaps.tests, proximity_stems, phrases
    )
    missing = gaps.missing(partial, [mask >> len(nearby) for mask in masks[len(first) :]])
    order: list[int] = []
    for tier, head, tier_masks in zip(tiers, heads, (masks[: len(first)], masks[len(first) :]), strict=True):
        if nearby:
            titles = searcher.fast_field_values("title_stems", [addresses[i] for i in head])
            scores[head] = scores[head] * bonus_of(
                tier_masks, [int(t or 0) for t in titles], proximity_stems, len(nearby)
            )
        ranks = {i: (-score, docs[i]) for i, score in zip(head, scores[head].tolist(), strict=True)}
        order += sorted(head, key=ranks.__getitem__) + tier[pool:].tolist()
    chosen = np.asarray(order, dtype=np.int64)
    return Retrieved(
        docs=[docs[i] for i in order],
        scores=scores[chosen].tolist(),
        full=full[chosen].tolist(),
        total=total,
        total_partial=hit_count(result) - total,
        facets=facets,
        missing=missing,
    )


def _held(
    searcher: tantivy.Searcher, hits: list[tuple[Any, tantivy.DocAddress]], known: int
) -> tuple[list[tantivy.DocAddress], list[int], np.ndarray]:
    """Addresses, document ids and scores (or sort values) of the ``hits`` whose ids are below ``known``."""
    addresses = [address for _score, address in hits]
    docs = [int(d) for d in searcher.fast_field_values("doc", addresses)]  # type: ignore[arg-type]
    if docs and max(docs) >= known:
        kept = [i for i, doc in enumerate(docs) if doc < known]
        addresses, docs, hits = [addresses[i] for i in kept], [docs[i] for i in kept], [hits[i] for i in kept]
    return addresses, docs, np.array([score for score, _address in hits], dtype=np.float64)


def _full_matches_counted(
    shared: SharedIndex, docs: list[int], full: np.ndarray, matches: int, accession_of: Callable[[int], str]
) -> Query | None:
    """The full matches named one by one, when the ranked hits hold every one of them (a partial
    match or the last match is among the hits) and they are few; else None.

    Counting them and their facets then reads their documents only, instead of evaluating the
    concepts' phrases over the whole index a second time. The aggregation visits the same
    documents in the same order either way, so its answer is the same.
    """
    named = np.flatnonzero(full)
    if len(named) > FACETS_BY_NAME or (len(named) == len(docs) and len(docs) < matches):
        return None
    accessions = [accession_of(docs[i]) for i in named.tolist()]
    return series_named(shared.index.schema, accessions, shared.hidden)


def _pool_masks(
    shared: SharedIndex,
    searcher: tantivy.Searcher,
    first: list[int],
    partial: list[int],
    accession_of: Callable[[int], str],
    nearby: list[tuple[Query, int]],
    concept_tests: list[tuple[Query, int]],
    proximity_stems: list[str],
    phrases: Sequence[Sequence[str]],
) -> list[int]:
    """Per document of both pools, the bits of the bonus's tests (``nearby``), then of the
    concept tests (the partial pool's only: what it misses).

    Both pools in one query, by accession (every test walks its words once, whatever the
    pool), unless the bonus's words are rare for the pools' size: then the bonus's tests look
    at the whole index, and only the partial pool is looked up, for the concept tests.
    """
    schema = shared.index.schema
    members, concepts = first + partial, concept_tests if partial else []
    anywhere = None
    if nearby:
        bound = proximity_bound(shared.doc_freq, proximity_stems, phrases)
        if bound <= ANYWHERE_PER_MEMBER * len(members):
            anywhere = flags_anywhere(searcher, nearby, bound)
    if anywhere is None:
        return _masks(searcher, schema, members, accession_of, nearby + concepts)
    near = [anywhere.get(d, 0) for d in members]
    missed = _masks(searcher, schema, partial, accession_of, concepts) if concepts else [0] * len(partial)
    return near[: len(first)] + [
        n | m << len(nearby) for n, m in zip(near[len(first) :], missed, strict=True)
    ]


def _masks(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    members: list[int],
    accession_of: Callable[[int], str],
    tests: list[tuple[Query, int]],
) -> list[int]:
    """Per document of ``members``, the bit mask of the ``tests`` (:func:`flags`) it passes."""
    if not tests or not members:
        return [0] * len(members)
    passed = flags(searcher, schema, [accession_of(d) for d in members], tests)
    return [passed.get(d, 0) for d in members]


class _ConceptTests:
    """Which concepts the partial matches of the first pool miss (their reasons say so)."""

    def __init__(
        self,
        shared: SharedIndex,
        ask: SharedQuery,
        concepts: list[Query],
        accession_of: Callable[[int], str],
        pool: int,
    ) -> None:
        self.shared, self.accession_of, self.pool = shared, accession_of, pool
        self.ask, self.concepts = ask, concepts

    @cached_property
    def tests(self) -> list[tuple[Query, int]]:
        """Per concept, its query with the documents its rarest name's rarest word is in; none
        for a single concept (a partial match misses it: that is what makes it partial)."""
        if len(self.concepts) < 2:
            return []
        walked = [
            max((rarest(self.shared.doc_freq, [s for _p, s in words]) for words, _slop in names), default=0)
            for names in self.ask.concepts
        ]
        return list(zip(self.concepts, walked, strict=True))

    def missing(self, docs: list[int], masks: list[int]) -> dict[int, list[int]]:
        """Per document of ``docs``, the concepts whose bit its mask lacks (those it misses)."""
        if len(self.concepts) == 1:
            return {doc: [0] for doc in docs}
        every = (1 << len(self.tests)) - 1
        return {
            d: [bit for bit in range(len(self.tests)) if not mask >> bit & 1]
            for d, mask in zip(docs, masks, strict=True)
            if mask & every != every
        }

    def mark(self, found: Retrieved) -> Retrieved:
        """``found`` with the missing concepts of its first ``pool`` partial matches, in its order."""
        partial = [d for d, full in zip(found.docs, found.full, strict=True) if not full][: self.pool]
        if partial and self.concepts:
            searcher, schema = self.shared.searcher(), self.shared.index.schema
            masks = _masks(searcher, schema, partial, self.accession_of, self.tests)
            found.missing = self.missing(partial, masks)
        return found


def _by_value(
    docs: list[int],
    scores: np.ndarray,
    full: np.ndarray,
    values: np.ndarray,
    total: int,
    partial: int,
    facets: dict[str, dict[str, int]],
) -> Retrieved:
    """Every match by a fast field's value (largest first), then score, then id; full matches first."""
    ids = np.asarray(docs)
    order = [
        i
        for tier in (np.flatnonzero(full), np.flatnonzero(~full))
        for i in tier[np.lexsort((ids[tier], -scores[tier], -values[tier]))].tolist()
    ]
    ranked = [float(scores[i]) for i in order]
    return Retrieved([docs[i] for i in order], ranked, [bool(full[i]) for i in order], total, partial, facets)


def _sorted(
    shared: SharedIndex,
    must: Sequence[tuple[Occur, Query]],
    full_query: Query,
    cover: Query | None,
    total: int,
    facets: dict[str, dict[str, int]],
    limit: int,
    known: int,
    sort_field: str,
) -> Retrieved:
    """More matches than ``limit``: full matches by a fast field (largest first), then partial
    ones the same way; ties in index order (the engine breaks them by score). Ids from ``known``
    up are left out, as :func:`retrieve` leaves them."""
    searcher = shared.searcher()
    tiers = [(full_query, True)]
    if cover is not None:
        tiers.append((Query.boolean_query([*must, (Occur.MustNot, cover)]), False))
    docs: list[int] = []
    scores: list[float] = []
    full: list[bool] = []
    partial = 0
    for query, is_full in tiers:
        result = searcher.search(query, limit, count=True, order_by_field=sort_field, order=Order.Desc)
        partial += 0 if is_full else hit_count(result)
        addresses, held, _values = _held(searcher, result.hits, known)
        addresses, held = addresses[: limit - len(docs)], held[: limit - len(docs)]
        docs += held
        scores += [0.0] * len(addresses)
        full += [is_full] * len(addresses)
    return Retrieved(docs, scores, full, total, partial, facets)


def _corroborated(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    field_weights: Mapping[str, float],
    credits: Mapping[tuple[str, ...], tuple[Query, bool]],
    where: Mapping[tuple[int, int], int],
    among: Callable[[Sequence[int]], Query],
    scores: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``scores`` of the ranked hits (``where``: the rank of each hit's address; ``among(ranks)``
    matches those of the ranks given, scoring nothing) with each concept's other names
    corroborating the user's words rather than adding to them (omics.search.ranking.corroborate),
    as the bm25s engine credits them: the ranked query added the names' credit (``credits``, by
    the query words each concept stands for: queries.concepts_credit, and whether it may be read
    alone, :func:`_credit_of`); here two queries per concept read that credit and the user's own
    words for the concept, among the ranked hits, and for the records holding one of its names
    the capped credit replaces the added one. Also, per hit, the credit the ranked query added
    (what its score holds beyond the user's words).
    """
    every = range(len(scores))
    adjusted = scores.copy()
    added = np.zeros(len(scores), dtype=np.float64)
    for of, (credit_query, alone) in credits.items():
        other = _credit_of(searcher, credit_query, where, lambda: among(every), alone)
        if not other:
            continue
        # The user's words alone: read for the holders only, their score is the same as with
        # the names required too, and the names' phrases are not evaluated a second time.
        held = np.fromiter(other, dtype=np.int64, count=len(other))
        own = _scores_of(searcher, words_score(schema, of, field_weights), where, among(held.tolist()))
        credit = np.fromiter(other.values(), dtype=np.float64, count=len(other))
        literal = np.array([own.get(i, 0.0) for i in held.tolist()], dtype=np.float64)
        adjusted[held] += corroborate(literal, credit) - credit
        added[held] += credit
    return adjusted, added


def _covered(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    stems: Sequence[str],
    names: Sequence[Sequence[str]],
    where: Mapping[tuple[int, int], int],
    among: Callable[[Sequence[int]], Query],
    scores: np.ndarray,
    words: np.ndarray,
    partial: np.ndarray,
) -> np.ndarray:
    """``scores`` of the ranked hits with the user's ``words``' part of each partial match
    scaled by the share of the query's stems it holds, as the bm25s engine scales every
    match's (omics.search.ranking.coverage: a record holding "endometrioid" beats one saying
    "cancer" as often; with bracketed ``names``, the best share of one name's). Other names'
    credit is not scaled, as in the bm25s engine. The full matches keep their words' score:
    scaled too, they measured lower here (docs/EVALUATION.md). One query over the partial
    matches reads which stems each holds (about 7 ms at 250,000 series for a thousand of
    them), so, as their resemblance (:func:`_resembling`), only when the ranking reaches them
    within its re-rank depth; past it they keep their words' order, as every record past the
    re-rank pool does.
    """
    ranks = np.flatnonzero(partial)
    if len(stems) < 2 or not len(ranks):
        return scores
    held = np.zeros(len(scores), dtype=np.int64)
    for start in range(0, len(stems), HELD_BITS):
        bits = [
            (Occur.Should, Query.const_score_query(held_anywhere(schema, stem), float(1 << bit)))
            for bit, stem in enumerate(stems[start : start + HELD_BITS])
        ]
        query = Query.boolean_query([(Occur.Must, among(ranks.tolist())), *bits])
        for rank, score in _ranked_only(searcher.search(query, len(ranks), count=False).hits, where).items():
            held[rank] |= round(score) << start
    present = {stem: (held >> bit & 1).astype(bool) for bit, stem in enumerate(stems)}
    share = coverage(present, stems, names, len(scores)) ** COVERAGE_EXPONENT
    return np.where(partial, scores - (1.0 - share) * words, scores)


def _credit_of(
    searcher: tantivy.Searcher,
    query: Query,
    where: Mapping[tuple[int, int], int],
    among: Callable[[], Query],
    alone: bool,
) -> dict[int, float]:
    """:func:`_scores_of` for a concept's other names' credit, which few records earn: the query
    alone first, every match collected and the ranked hits picked out, and only where it
    matches more than :data:`CREDIT_ALONE` records restricted to the ranked hits by ``among()``
    (looking a thousand accessions up costs about 2 ms at 250,000 series, several times what
    most names' credit costs alone). Not ``alone``: it surely matches more (:func:`_credited_widely`),
    so it is looked up at once. A record's score is the query's either way."""
    if not alone:
        return _scores_of(searcher, query, where, among())
    found = searcher.search(query, CREDIT_ALONE, count=True)
    if hit_count(found) > CREDIT_ALONE:
        return _scores_of(searcher, query, where, among())
    return _ranked_only(found.hits, where)


def _credited_widely(
    doc_freq: DocFreq, names: Sequence[OtherName], field_weights: Mapping[str, float]
) -> bool:
    """Does a concept's other names' credit surely match more than :data:`CREDIT_ALONE` records?
    It does where a name of one word is held in one field by more, less those read and found not
    to hold a name (:attr:`OtherName.unheld`): "tumour" for "tumor". A deleted record not yet
    merged away still counts, so this may be wrong the other way only, at no cost to the answer."""
    unheld = len({a for name in names for a in name.unheld})
    return any(
        len(name.stems) == 1
        and max(doc_freq(f, name.stems[0]) for f in field_weights) - unheld > CREDIT_ALONE
        for name in names
    )


def _resembling(
    resemble: Resemble,
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    field_weights: Mapping[str, float],
    where: Mapping[tuple[int, int], int],
    among: Callable[[Sequence[int]], Query],
    scores: np.ndarray,
    full: np.ndarray,
    docs: list[int],
    depth: int,
) -> np.ndarray:
    """``scores`` with the partial matches ordered by ``resemble``, when the ranking reaches
    them within its first ``depth`` places (the depth to which each tier is re-ranked): a
    partial match among the ranked hits and from two (a model to resemble) to fewer than
    ``depth`` full matches. Full matches come first, so a search with more pays nothing: its
    partial matches stand after them in their words' order, as they do past the re-rank pool.
    The stems are scored among the ranked hits (``among`` them all, ``where`` the rank of each
    hit's address) by one index query (:func:`~.queries.weighted_stems_at`: about 12 ms at 250,000 series)."""
    if full.all() or not 2 <= np.count_nonzero(full) < depth:
        return scores
    ranked = among(range(len(docs)))

    def score_stems(weights: Mapping[str, float]) -> np.ndarray:
        found = _scores_of(searcher, weighted_stems_at(schema, weights, field_weights), where, ranked)
        scored = np.zeros(len(scores), dtype=np.float64)
        scored[list(found)] = list(found.values())
        return scored

    return resemble(scores, full, docs, score_stems)


def _scores_of(
    searcher: tantivy.Searcher, query: Query, where: Mapping[tuple[int, int], int], among: Query
) -> dict[int, float]:
    """``query``'s score of each ranked hit it matches (``where``: a hit's address -> its rank;
    ``among``: those hits, scoring nothing), looked at alone: a name may match far more."""
    limit = max(len(where), 1)
    return _ranked_only(
        searcher.search(Query.boolean_query([(Occur.Must, query), (Occur.Must, among)]), limit).hits, where
    )


def _ranked_only(
    hits: Sequence[tuple[Any, tantivy.DocAddress]], where: Mapping[tuple[int, int], int]
) -> dict[int, float]:
    """The scores of ``hits`` by the rank of the ranked hit each is (``where``), others left out."""
    found = ((where.get((address.segment_ord, address.doc)), score) for score, address in hits)
    return {rank: score for rank, score in found if rank is not None}


def concepts_missed(
    shared: SharedIndex, ask: SharedQuery, docs: list[int], accession_of: Callable[[int], str]
) -> dict[int, list[int]]:
    """Per document of ``docs`` (partial matches of ``ask``), the indices of the concepts it does
    not cover, read as :attr:`Retrieved.missing` is for the first pool: for the partial matches
    after it, read when their page is (omics.search.shared_engine)."""
    schema = shared.index.schema
    gaps = _ConceptTests(shared, ask, concept_queries(schema, ask), accession_of, len(docs))
    return gaps.missing(docs, _masks(shared.searcher(), schema, docs, accession_of, gaps.tests))
