"""Relevance scoring: weighted fields, term coverage, and a phrase/proximity bonus.

A document's base score is the sum over query stems of its bm25s score in each field times
that field's weight (title over summary over overall design): a study whose *title* names
the condition is usually about it, one that mentions it once in its design rarely is. The
base score is scaled by how many of the distinct query stems the document contains, so a
record matching all words beats one that repeats a single word. Finally the best candidates
are re-scored with a bonus when the query words appear together (as a phrase, or within a
few words) in the title or summary; that check reads text, so it runs on a bounded pool.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omics.highlight import QueryTerms
from omics.index import FIELDS, SegmentedIndex, tokenize
from omics.series import Series

FIELD_WEIGHTS: dict[str, float] = {"title": 2.0, "summary": 1.0, "overall_design": 0.5}
COVERAGE_EXPONENT = 1.0
PHRASE_BONUS = {"title": 0.30, "summary": 0.15}
PROXIMITY_BONUS = 0.05
PROXIMITY_GAP = 3
RERANK_POOL = 200


@dataclass
class TermScores:
    """Per-query scoring state over every document id."""

    stems: list[str]
    scores: np.ndarray  # float32 weighted BM25 sum
    present: dict[str, np.ndarray]  # stem -> bool mask of documents containing it (any field)

    @property
    def matched(self) -> np.ndarray:
        """Documents containing at least one query stem."""
        if not self.present:
            return np.zeros(len(self.scores), dtype=bool)
        return np.logical_or.reduce(list(self.present.values()))


def query_stems(text: str) -> list[str]:
    return list(dict.fromkeys(tokenize([text])[0])) if text.strip() else []


def score_terms(index: SegmentedIndex, stems: list[str], size: int,
                weights: dict[str, float] | None = None) -> TermScores:
    """Weighted field BM25 per stem (times the stem's query weight, default 1), summed, then
    scaled by query-stem coverage."""
    scores = np.zeros(size, dtype=np.float32)
    present: dict[str, np.ndarray] = {}
    for stem in stems:
        term = np.zeros(size, dtype=np.float32)
        for field_name in FIELDS:
            term += FIELD_WEIGHTS[field_name] * index.field_scores(stem, field_name, size)
        present[stem] = term > 0
        scores += (weights or {}).get(stem, 1.0) * term
    if len(stems) > 1:
        coverage = np.add.reduce([m.astype(np.float32) for m in present.values()]) / len(stems)
        scores *= coverage**COVERAGE_EXPONENT
    return TermScores(stems, scores, present)


def proximity_bonus(records: list[Series], terms: QueryTerms) -> np.ndarray:
    """Multiplicative bonus per record for the query words appearing together in title/summary."""
    bonus = np.ones(len(records), dtype=np.float32)
    if len(terms.words) < 2:
        return bonus
    phrase_text = " ".join(terms.words)
    exact = terms.phrase_matcher(phrase_text)
    near = terms.phrase_matcher(phrase_text, gap_words=PROXIMITY_GAP)
    for i, record in enumerate(records):
        for field_name, weight in PHRASE_BONUS.items():
            text = getattr(record, field_name)
            if exact is not None and exact.search(text):
                bonus[i] += weight
            elif near is not None and near.search(text):
                bonus[i] += PROXIMITY_BONUS
    return bonus


def top_order(scores: np.ndarray, candidates: np.ndarray, limit: int) -> np.ndarray:
    """Candidate document ids by descending score (ties by document id), at most ``limit``."""
    if len(candidates) > limit:
        part = np.argpartition(-scores[candidates], limit - 1)[:limit]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order]
