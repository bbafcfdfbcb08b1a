"""Pseudo-relevance feedback (RM3-style): the best answers to a query say what else to look for.

A researcher typing "Huntington's disease" does not type "HTT", "CAG repeat" or "striatum",
but the top-ranked series about it do. The feedback model is the centroid of the first
``FEEDBACK_DOCS`` full matches (the same field-weighted, length-normalised TF-IDF vectors that
query by example uses, :func:`omics.search.similarity.build_profile`), cut to its strongest
``FEEDBACK_TERMS`` stems. Its fielded BM25 score is interpolated with the query's own (each
scaled to its best match, the feedback at ``FEEDBACK_WEIGHT``), RM3's mix of the original
query and the relevance model.

Feedback only reorders what the query matched: it never adds a match, so counts and facets
stay those of the user's words. docs/EVALUATION.md has the measured variants.

Partial matches (records missing a concept of the query, ranked after every full match) mix
the feedback in at ``PARTIAL_FEEDBACK_WEIGHT``, as much as their own words: the words such a
record holds are the query's weaker half ("cancer" without "endometrioid"), so which of them
resembles what the full matches are about (an ovarian cancer study, not a breast cancer one)
is the better evidence of what the user is after. Their resemblance leaves out the query's own
stems, which the record's words already scored ("cancer" again would favour the records saying
it most, the order resemblance is meant to improve on). The shared-index backend keeps that
half alone (:func:`with_partial_feedback`): its full matches measured lower with feedback.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import numpy as np

from omics.search.series import Series
from omics.search.similarity import build_profile

FEEDBACK_DOCS = 10
FEEDBACK_TERMS = 30
FEEDBACK_WEIGHT = 0.1  # 0.1-0.8 measured (docs/EVALUATION.md): above 0.1 the broad set loses
# ... for the records outside ``match`` (the partial matches when ``match`` is the full ones)
PARTIAL_FEEDBACK_WEIGHT = 1.0


def with_feedback(
    scores: np.ndarray,
    match: np.ndarray,
    record: Callable[[int], Series],
    doc_freq: Callable[[str], int],
    size: int,
    field_weights: Mapping[str, float],
    score_stems: Callable[[Mapping[str, float]], np.ndarray],
    docs: int = FEEDBACK_DOCS,
    terms: int = FEEDBACK_TERMS,
    weight: float = FEEDBACK_WEIGHT,
    partial_weight: float = PARTIAL_FEEDBACK_WEIGHT,
    query_stems: Collection[str] = (),
) -> np.ndarray:
    """``scores`` over ``match`` mixed with the feedback model of the best ``docs`` of them.

    ``score_stems`` scores a weighted stem query over every document (the engine's fielded BM25).
    Documents outside ``match`` (partial matches, when ``match`` holds the full ones) get the
    model without ``query_stems`` at ``partial_weight``; each part is scaled by its best score
    within ``match``.
    """
    if weight <= 0:
        return scores
    model = feedback_model(scores, match, record, doc_freq, size, field_weights, docs, terms)
    if model is None:
        return scores
    best, stems = model
    candidates = np.flatnonzero(match)
    extra = score_stems(stems)
    mixed = scores / np.float32(best) + _scaled(extra, candidates, weight) * match
    own = {stem: w for stem, w in stems.items() if stem in query_stems}
    other = extra - score_stems(own) if own else extra  # the model is a sum over its stems
    mixed = mixed + _scaled(other, candidates, partial_weight) * ~match
    result: np.ndarray = mixed.astype(np.float32)
    return result


def with_partial_feedback(
    scores: np.ndarray,
    match: np.ndarray,
    record: Callable[[int], Series],
    doc_freq: Callable[[str], int],
    size: int,
    field_weights: Mapping[str, float],
    score_stems: Callable[[Mapping[str, float]], np.ndarray],
    query_stems: Collection[str],
    partial_weight: float = PARTIAL_FEEDBACK_WEIGHT,
) -> np.ndarray:
    """The partial matches' half of :func:`with_feedback` alone, on the scores' own scale:
    ``match`` keeps its scores, every other document gains the resemblance (the model without
    ``query_stems``) at ``partial_weight`` of the best match's score, so the partial matches
    stand in :func:`with_feedback`'s order. For a backend whose full matches do better without
    feedback (the shared index: docs/EVALUATION.md), and which has partial matches to order.
    """
    model = feedback_model(scores, match, record, doc_freq, size, field_weights)
    if model is None:
        return scores
    best, stems = model
    other = {stem: w for stem, w in stems.items() if stem not in query_stems}
    if not other:
        return scores
    resemblance = _scaled(score_stems(other), np.flatnonzero(match), partial_weight * best)
    mixed: np.ndarray = scores + resemblance * ~match
    return mixed


def feedback_model(
    scores: np.ndarray,
    match: np.ndarray,
    record: Callable[[int], Series],
    doc_freq: Callable[[str], int],
    size: int,
    field_weights: Mapping[str, float],
    docs: int = FEEDBACK_DOCS,
    terms: int = FEEDBACK_TERMS,
) -> tuple[float, dict[str, float]] | None:
    """The best score within ``match`` and the feedback model of its best ``docs`` (stem ->
    weight, the ``terms`` strongest); None for fewer than two matches or a best scoring nothing."""
    candidates = np.flatnonzero(match)
    if len(candidates) < 2:
        return None
    top = candidates[np.argsort(-scores[candidates], kind="stable")[:docs]]
    best = float(scores[top[0]])
    if best <= 0:
        return None
    profile = build_profile(
        [record(int(d)) for d in top], doc_freq, size, field_weights, size=terms, shown=False
    )
    return best, profile.terms


def _scaled(extra: np.ndarray, candidates: np.ndarray, weight: float) -> np.ndarray:
    """``extra`` times ``weight`` over its best score among ``candidates`` (zeros if none scored)."""
    peak = float(extra[candidates].max())
    if peak <= 0:
        return np.zeros(len(extra), dtype=np.float32)
    scaled: np.ndarray = np.maximum(extra, 0) * np.float32(weight / peak)  # ufuncs return Any
    return scaled.astype(np.float32)
