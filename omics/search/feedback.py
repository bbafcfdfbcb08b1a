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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from omics.search.series import Series
from omics.search.similarity import build_profile

FEEDBACK_DOCS = 10
FEEDBACK_TERMS = 30
FEEDBACK_WEIGHT = 0.1  # 0.1-0.8 measured (docs/EVALUATION.md): above 0.1 the broad set loses


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
) -> np.ndarray:
    """``scores`` over ``match`` mixed with the feedback model of the best ``docs`` of them.

    ``score_stems`` scores a weighted stem query over every document (the engine's fielded BM25).
    """
    candidates = np.flatnonzero(match)
    if weight <= 0 or len(candidates) < 2:
        return scores
    top = candidates[np.argsort(-scores[candidates], kind="stable")[:docs]]
    best = float(scores[top[0]])
    if best <= 0:
        return scores
    profile = build_profile(
        [record(int(d)) for d in top], doc_freq, size, field_weights, size=terms, shown=False
    )
    extra = score_stems(profile.terms)
    peak = float(extra[candidates].max()) if len(candidates) else 0.0
    mixed = scores / np.float32(best)
    if peak > 0:
        mixed = mixed + np.float32(weight / peak) * extra
    result: np.ndarray = mixed.astype(np.float32)
    return result
