"""What the engine answers: ranked hits with their evidence, facets, and real progress.

The engine returns a :class:`SearchOutcome` and reports each pipeline stage of
:data:`STAGES` through a :class:`ProgressCallback` as it really finishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

STAGES: tuple[str, ...] = ("parse", "retrieve", "rank", "facets", "finish")

# Bump when the engine answers the same request over the same corpus differently (matching,
# ranking, counts, reasons): cache keys include it, so answers an older engine computed and
# cached (in Redis or the data directory's L3) are not served after an upgrade.
# 2: sample text as evidence, inflammations keep their names ("-itis").
# 3: a multi-word ontology name covers its concept only where its words stand together.
# 4: a SuperSeries whose summary is only GEO's fixed sentence is indexed, and profiled as an
#    example, with its title as summary.
# 5: a broad disease category widens to its direct children ("arrhythmia": atrial fibrillation).
# 6: a text search weighs a series of fewer than ten samples by sqrt(samples / 10).
# 7: the shared-index backend corrects misspelled words, reads records to tell a name with a
#    one-character word apart ("type 1 diabetes" is not "type 2 diabetes"), and with words and
#    examples together answers only what the words match.
# 8: the shared-index backend credits a concept's other names as the bm25s engine does: their
#    words' BM25 where the name stands as a phrase, held against the user's own words
#    (omics.search.ranking.corroborate) instead of added to them; its phrase bonus finds a stop
#    word between any two of the query's words, and partial matches after the first pool say
#    what they miss.
# 9: partial matches mix the pseudo-relevance feedback in as much as their own words, read
#    without the query's stems (bm25s engine; omics.search.feedback.PARTIAL_FEEDBACK_WEIGHT):
#    among records missing a concept, those resembling the full matches come first.
# 10: the shared-index backend holds a concept's other names where the engine's phrase test holds
#    them: at their own positions (a name's stop words leave gaps in the index), with a stop word
#    more in a gap, and reads the records the index cannot tell ("endometrioid endometrial
#    carcinoma" holds no "endometrioid carcinoma").
# 11: a query naming its topic twice, once in brackets ("Autism spectrum disorder (ASD)"), is
#    tested for each name by the phrase bonus and covered by the best of them (bm25s engine);
#    another name of a concept is credited at most for as many words as the user's name has
#    (both backends);
#    a one-word name the user typed ("autism" of autism spectrum disorder) covers its concept.
# 12: the shared-index backend orders partial matches by their resemblance to the full matches
#    (revision 9's rule, omics.search.feedback.with_partial_feedback) when they are ranked.
# 13: the shared-index backend's phrase bonus tests each bracketed name, as revision 11's (bm25s).
# 14: a bracket renames what precedes it only when it abbreviates it or the vocabulary names both
#    by one concept; any other bracket ("breast cancer (TCGA)") is a qualifier, more of the query,
#    read in front of the name when the vocabulary knows the whole ("Diabetes (type 2)").
# 15: the shared-index backend scales a partial match's words by the share of the query's words it
#    holds (revision 11's coverage, omics.search.ranking.coverage) when partial matches are ranked.
ENGINE_REVISION = 15


@dataclass
class Hit:
    """One ranked series with the evidence for its place in the ranking."""

    accession: str
    score: float
    highlights: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    # The query words and phrases this hit was ranked for, so highlights and reasons can be
    # computed later for any page (SearchEngine.result) without re-parsing the query.
    terms: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    # Other names of the query's concepts (ontology synonyms) that were searched too, so a
    # series found through "paralysis agitans" for "Parkinson's disease" can say so.
    also: list[str] = field(default_factory=list)
    # A partial match: the query's concepts this series does not cover (omics.search.concepts).
    missing: list[str] = field(default_factory=list)

    @classmethod
    def from_compact(cls, row: dict[str, Any]) -> Hit:
        """A hit from its stored compact row, ignoring keys a later release added (additive first)."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in row.items() if key in known})


@dataclass
class SearchOutcome:
    """A completed search: how the query was understood, every ranked match, and facets.

    ``hits`` holds the whole ranked match list (capped by the engine); pages are slices of it,
    so a cursor over a stored outcome never skips or repeats a result.
    """

    parsed: dict[str, Any]
    total: int
    hits: Sequence[Hit]
    facets: dict[str, dict[str, int]]
    corpus_version: int
    # ``total`` counts full matches (every concept of the query covered), ``total_partial`` the
    # rest; ``hits`` holds the full matches first, then the partial ones.
    total_partial: int = 0


class ProgressCallback(Protocol):
    """Called by the engine when a pipeline stage really finishes (stage in :data:`STAGES`)."""

    def __call__(self, stage: str, progress: int, detail: dict[str, Any]) -> None: ...
