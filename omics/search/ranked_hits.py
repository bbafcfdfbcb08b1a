"""A search's ranked hits, each :class:`Hit` made when first read.

A search keeps up to ``MAX_HITS`` ranked series so that every page and cursor reads the same
ranking, but a caller usually reads one page: making a thousand ``Hit`` objects (and naming
each series) cost about 2 ms of every search at 250,000 series. The list keeps the document
ids and scores and makes a hit the first time it is read, then always returns that object
(a page explained once stays explained).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from omics.search.lazy_sequence import LazySequence
from omics.search.outcome import Hit


class RankedHits(LazySequence[Hit]):
    """Hits for ``docs`` with ``scores``, all ranked for the same terms, phrases and other names."""

    def __init__(
        self,
        docs: Sequence[int],
        scores: Sequence[float],
        accession_of: Callable[[int], str],
        explained_by: tuple[list[str], list[str], list[str]],
        missing: Mapping[int, list[str]],
    ) -> None:
        self._docs, self._scores, self._accession_of = docs, scores, accession_of
        self._terms, self._phrases, self._also = explained_by
        self._missing = missing  # document id -> what it misses (a partial match of the first pool)
        self._made: dict[int, Hit] = {}

    def __len__(self) -> int:
        return len(self._docs)

    def __iter__(self) -> Iterator[Hit]:
        return (self._item(i) for i in range(len(self._docs)))

    def _item(self, i: int) -> Hit:
        hit = self._made.get(i)
        if hit is None:
            doc = self._docs[i]
            hit = Hit(
                self._accession_of(doc),
                self._scores[i],
                terms=self._terms,
                phrases=self._phrases,
                also=self._also,
                missing=list(self._missing.get(doc, ())),
            )
            self._made[i] = hit
        return hit
