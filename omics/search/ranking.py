"""Relevance scoring: weighted fields, term coverage, and a phrase/proximity bonus.

A document's base score is the sum over query stems of its bm25s score in each field times
that field's weight (title over summary over overall design): a study whose *title* names
the condition is usually about it, one that mentions it once in its design rarely is. The
base score is scaled by how many of the distinct query stems the document contains, so a
record matching all words beats one that repeats a single word. Finally the best candidates
are re-scored with a bonus when the query words appear together (as a phrase, or within a
few words) in the title or summary; that check reads text, so it runs on a bounded pool.
Whether a record holds a name or quoted phrase at all is checked on the index's word
positions instead (:func:`holding_phrase`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import SupportsIndex

import numpy as np

from omics.search.highlight import PhraseTest, QueryTerms
from omics.search.index import FIELDS, SegmentedIndex, stem_words, tokenize
from omics.search.series import Series
from omics.search.vocabulary import Expansion

# Titles are short, so BM25 length normalisation already rewards a title match; a modest
# multiplier on top avoids double counting. Designs often name the cohort's condition, so
# they weigh only a little below summaries. (Chosen on the development judgments from a small
# grid, see docs/EVALUATION.md; fielded sums beat one BM25F-style combined field there.)
# Sample titles and characteristics weigh least: a cohort some of whose samples have the
# condition is an answer, but a study about the condition comes first.
FIELD_WEIGHTS: dict[str, float] = {"title": 1.25, "summary": 1.0, "overall_design": 0.9, "sample_text": 0.4}
COVERAGE_EXPONENT = 1.0
PHRASE_BONUS = {"title": 0.15, "summary": 0.075}
PROXIMITY_BONUS = 0.05
TITLE_MATCH_BONUS = 1.0
PROXIMITY_GAP = 3
RERANK_POOL = 200
PHRASE_CHECK_BUDGET = 2000  # records read to verify a phrase the user typed
EXPANSION_CHECK_BUDGET = 300  # ... and an expansion phrase, which only adds credit (one per concept name)
# A series of fewer samples than this is a small experiment rather than a cohort: its text score
# is weighed by sqrt(samples / SMALL_STUDY_SAMPLES) (sample_size_weighted).
SMALL_STUDY_SAMPLES = 10


@dataclass
class TermScores:
    """Per-query scoring state over every document id."""

    stems: list[str]
    scores: np.ndarray  # float32 weighted BM25 sum
    present: dict[str, np.ndarray]  # stem -> bool mask of documents containing it (any field)
    also: np.ndarray | None = None  # documents matched otherwise: another name of a query concept
    credits: dict[str, np.ndarray] = field(default_factory=dict)  # query span -> its other names' credit
    # query span -> other names made only of the query's own words ("anxiety" for "anxiety
    # disorder"): nothing to score, but a record holding one covers the concept
    contained: dict[str, list[str]] = field(default_factory=dict)

    @property
    def matched(self) -> np.ndarray:
        """Documents containing at least one query stem (or matched through ``also``)."""
        base = np.zeros(len(self.scores), dtype=bool)
        for mask in self.present.values():
            base |= mask  # in place: reduce() over a list would first stack the masks
        return base if self.also is None else base | self.also


def query_stems(text: str) -> list[str]:
    """Distinct stems of a query text, in order (cached: the same phrases recur in every search)."""
    return list(_query_stems(text))


@functools.lru_cache(maxsize=8192)
def _query_stems(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tokenize([text])[0])) if text.strip() else ()


def stem_score(index: SegmentedIndex, stem: str, size: int) -> np.ndarray:
    """Field-weighted BM25 of one stem for every document."""
    term = np.zeros(size, dtype=np.float32)
    for field_name in FIELDS:
        index.add_field_scores(stem, field_name, term, FIELD_WEIGHTS[field_name])
    return term


StemCache = dict[str, np.ndarray]


def cached_stem_score(index: SegmentedIndex, stem: str, size: int, cache: StemCache) -> np.ndarray:
    """:func:`stem_score` computed once per search: words, phrases and concept names share stems.

    The arrays in ``cache`` are read-only for their users (they copy before changing anything).
    """
    term = cache.get(stem)
    if term is None:
        term = cache[stem] = stem_score(index, stem, size)
    return term


def score_terms(
    index: SegmentedIndex,
    stems: list[str],
    size: int,
    weights: dict[str, float] | None = None,
    cache: StemCache | None = None,
    names: Sequence[Sequence[str]] = (),
) -> TermScores:
    """Weighted field BM25 per stem (times the stem's query weight, default 1), summed, then
    scaled by query-stem coverage.

    ``names`` are the stems of each name the query gave its topic in brackets
    (:func:`omics.search.brackets.bracket_names`); with them, coverage is the best share of
    one name's stems a record holds: "Lupus (Systemic Lupus Erythematosus)" is fully named by
    "lupus" or by "systemic lupus erythematosus", not a third named by the first.
    """
    cache = {} if cache is None else cache
    scores = np.zeros(size, dtype=np.float32)
    present: dict[str, np.ndarray] = {}
    for stem in stems:
        term = cached_stem_score(index, stem, size, cache)
        present[stem] = term > 0
        scores += (weights or {}).get(stem, 1.0) * term
    if len(stems) > 1:
        scores *= coverage(present, stems, names, size) ** COVERAGE_EXPONENT
    return TermScores(stems, scores, present)


def coverage(
    present: Mapping[str, np.ndarray], stems: Sequence[str], names: Sequence[Sequence[str]], size: int
) -> np.ndarray:
    """Per document, the share of the query's distinct ``stems`` it holds (``present``: per stem,
    a mask of the documents holding it); with bracketed ``names``, the best share of one name's
    stems (:func:`score_terms`). The user's words' score is scaled by it: every match's here,
    the partial matches' on the shared index (omics.search.shared_index.retrieval._covered)."""
    groups = [kept for kept in ([s for s in name if s in present] for name in names) if kept] or [list(stems)]
    share = _share_held(present, groups[0], size)
    for group in groups[1:]:
        share = np.maximum(share, _share_held(present, group, size))
    return share


def _share_held(present: Mapping[str, np.ndarray], stems: Sequence[str], size: int) -> np.ndarray:
    """Per document, the share of ``stems`` it holds."""
    covered = np.zeros(size, dtype=np.uint8)
    for stem in stems:
        covered += present[stem]
    share: np.ndarray = covered / np.float32(len(stems))
    return share


def score_weighted_stems(index: SegmentedIndex, weights: Mapping[str, float], size: int) -> np.ndarray:
    """Sum of weight x field-weighted BM25 over stems: how a query-by-example profile scores."""
    scores = np.zeros(size, dtype=np.float32)
    for stem, weight in weights.items():
        scores += np.float32(weight) * stem_score(index, stem, size)
    return scores


def score_expansions(
    index: SegmentedIndex,
    expansions: Sequence[Expansion],
    size: int,
    record: Callable[[SupportsIndex], Series],
    cache: StemCache | None = None,
    credits: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Credit for naming a query concept differently (omics.search.vocabulary): synonyms, acronyms, subtypes.

    A name counts where its words occur as a phrase (checked among the records holding all of
    them, :func:`holding_phrase`); per query concept only the best-scoring name counts, so a
    record listing five synonyms of one disease is not five times as relevant. Other names
    corroborate the user's words rather than outweigh them (:func:`corroborate`). ``credits``,
    when given, receives what the other names earned per query span (``Expansion.matched``):
    which records they cover.
    """
    cache = {} if cache is None else cache
    best: dict[str, np.ndarray] = {} if credits is None else credits
    for expansion in expansions:
        stems = query_stems(expansion.phrase)
        if not stems or not all(index.doc_freq(s) for s in stems):
            continue  # a word no record holds: nothing to score (a look-up, not a pass over the corpus)
        arrays = [cached_stem_score(index, s, size, cache) for s in stems]
        everywhere = arrays[0] > 0
        summed = arrays[0].copy()
        for array in arrays[1:]:
            everywhere &= array > 0
            summed += array
        if len(stems) > 1:
            everywhere = holding_phrase(
                expansion.phrase, everywhere, index, record, summed, budget=EXPANSION_CHECK_BUDGET
            )
        score = np.float32(expansion.weight * length_ratio(expansion, stems)) * summed * everywhere
        current = best.get(expansion.matched)
        best[expansion.matched] = score if current is None else np.maximum(current, score)
    total = np.zeros(size, dtype=np.float32)
    for matched, credit in best.items():
        literal = np.zeros(size, dtype=np.float32)
        for stem in query_stems(matched):
            literal += cached_stem_score(index, stem, size, cache)
        total += corroborate(literal, credit)
    return total


def length_ratio(expansion: Expansion, stems: Sequence[str]) -> float:
    """How much of an other name's summed BM25 counts: the user's name's length over its own, at most 1.

    A name is credited with its words' BM25 summed, so a longer name earned more for the same
    mention: "malignant neoplasm of ovary" (three indexed words) half as much again as "ovarian
    cancer" (two), and "type II diabetes" counted "II", a rare word and so a heavy one, on top
    of "type diabetes".
    Scaled to the user's name's length, every name of a concept is worth what the user's own
    words would be for the same mention, times its weight.
    """
    return min(1.0, len(query_stems(expansion.matched)) / len(stems))


def corroborate(literal: np.ndarray, other: np.ndarray) -> np.ndarray:
    """What other names of a concept add to a record whose own words for it scored ``literal``.

    The user's words stay the main evidence: another name adds at most what those words earned,
    so a passing mention of the query plus a synonym-heavy title cannot outrank records that
    name the concept the user's way. It never costs a record to use the user's words, though:
    the pair is worth at least what the other name alone earns (a record without the words).
    """
    credit: np.ndarray = np.maximum(np.minimum(other, literal), other - literal)  # ufuncs return Any
    return credit


def holding_phrase(
    phrase: str,
    candidates: np.ndarray,
    index: SegmentedIndex,
    record: Callable[[SupportsIndex], Series],
    priority: np.ndarray,
    budget: int = PHRASE_CHECK_BUDGET,
    gap_words: int = 0,
) -> np.ndarray:
    """The candidates whose title, summary, design or sample text contains ``phrase`` (words in
    order, by stem, with at most ``gap_words`` other words between them; none but "of", "the",
    "and"... when 0): :class:`~omics.search.highlight.PhraseTest`, answered from the index's
    word positions (omics.search.positions) and, where those are unsure, the record's text.

    Only the ``budget`` candidates with the highest ``priority`` (their score for the phrase's
    words) are checked; the rest, far down any ranking, keep the cheaper test they already
    passed: every word of the phrase is present.
    """
    holds = PhraseTest(phrase, gap_words=gap_words)
    docs = np.flatnonzero(candidates)
    if len(docs) > budget:
        docs = docs[np.argpartition(-priority[docs], budget - 1)[:budget]]
    held, unsure = index.holding(holds, docs)
    for position in np.flatnonzero(unsure):
        read = record(docs[position])
        held[position] = any(holds(read.indexed_text(f)) for f in FIELDS)
    found = candidates.copy()
    found[docs] = held
    return found


def proximity_bonus(records: list[Series], terms: QueryTerms) -> np.ndarray:
    """Multiplicative bonus per record for the query words appearing together in title/summary.

    A query that names its topic twice, once in brackets, is tested for each name of more than
    one word (:func:`phrases_of`), not for the two run together.
    """
    bonus = np.ones(len(records), dtype=np.float32)
    if len(terms.words) < 2:
        return bonus
    tests = [(PhraseTest(text), PhraseTest(text, gap_words=PROXIMITY_GAP)) for text in phrases_of(terms)]
    query_stems_in_order = tuple(stem_words(terms.words))
    known_item = len(query_stems_in_order) >= 3
    for i, record in enumerate(records):
        if known_item and _query_stems(record.title) == query_stems_in_order:
            bonus[i] += TITLE_MATCH_BONUS  # the query *is* this title: a pasted known item
        for field_name, weight in PHRASE_BONUS.items():
            text = getattr(record, field_name)
            if any(exact(text) for exact, _ in tests):
                bonus[i] += weight
            elif any(near(text) for _, near in tests):
                bonus[i] += PROXIMITY_BONUS
    return bonus


def phrases_of(terms: QueryTerms) -> list[str]:
    """What the proximity bonus looks for: the query's words together, or, when the query gave
    its topic a second name in brackets, each name of more than one word.

    "Autism spectrum disorder (ASD)" is written "autism spectrum disorder" in a title, never
    "autism spectrum disorder ASD"; testing the words run together rewarded only records that
    spell the acronym out right after the name, and for "Lupus (Systemic Lupus
    Erythematosus)" ("lupus systemic erythematosus") no record at all.
    """
    if not terms.names:
        return [" ".join(terms.words)]
    return [name for name in terms.names if len(query_stems(name)) > 1]


def sample_size_weighted(scores: np.ndarray, match: np.ndarray, sample_counts: np.ndarray) -> np.ndarray:
    """``scores`` of the matches weighed by how much data each series holds: a copy.

    A researcher searching a condition by text is looking for data to analyse it with, and a
    series of three samples says less about it than one of thirty: the precision of a group's
    mean grows with the square root of its size, so below ``SMALL_STUDY_SAMPLES`` samples a
    series' score is scaled by sqrt(samples / SMALL_STUDY_SAMPLES) (4 samples: 0.63). From that
    size up, and where the count is unknown (negative), the text alone decides. Measured on
    both development sets (docs/EVALUATION.md); "more like these" is not weighed, since its
    examples already say what kind of series is wanted.
    """
    weighted = scores.copy()
    docs = np.flatnonzero(match)
    counts = sample_counts[docs].astype(np.float32)
    small = (counts >= 0) & (counts < SMALL_STUDY_SAMPLES)
    weighted[docs[small]] *= np.sqrt(counts[small] / np.float32(SMALL_STUDY_SAMPLES))
    return weighted


def top_order(scores: np.ndarray, candidates: np.ndarray, limit: int) -> np.ndarray:
    """Candidate document ids by descending score (ties by document id), at most ``limit``."""
    if len(candidates) > limit:
        candidates = _best_with_lowest_ids(scores[candidates], candidates, limit)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order]


def _best_with_lowest_ids(candidate_scores: np.ndarray, candidates: np.ndarray, limit: int) -> np.ndarray:
    """The ``limit`` best candidates; among those tied at the cut, the lowest ids (in linear time).

    A plain partition keeps an arbitrary subset of the tied ones, so a filter-only search
    (every match scores 0) would skip series at random instead of listing them in order.
    """
    cut = -np.partition(-candidate_scores, limit - 1)[limit - 1]
    above = candidates[candidate_scores > cut]
    tied = candidates[candidate_scores == cut]
    needed = limit - len(above)
    if len(tied) > needed:
        tied = np.partition(tied, needed - 1)[:needed]
    return np.concatenate((above, tied))
