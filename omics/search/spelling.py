"""Did you mean: misspelled query words corrected against the corpus's own vocabulary.

A researcher typing "neuroblastma" or "alzhiemer" gets nothing for that word, and no English
dictionary knows "neuroblastoma" or "pheochromocytoma". So the dictionary is the index's own
vocabulary: every stem of the series' titles, summaries and designs, with how many series
hold it (read from the index, :meth:`omics.search.index.SegmentedIndex.stem_counts`). Only a
word whose stem no series holds is corrected (a rare but real word is never "fixed" into a
common one), to the most used stem within a few edits, found by SymSpell's symmetric-delete
look-up (:mod:`symspellpy`: microseconds per word however large the dictionary). The engine
then searches the correction and says so ("did you mean").

The dictionary is built on the first search that needs it (about a second per 50,000 stems)
and rebuilt after the index changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from symspellpy import SymSpell, Verbosity

MAX_EDIT_DISTANCE = 2
MIN_WORD_LENGTH = 5  # shorter words are too often acronyms or other words one edit away
SHORT_WORD_LENGTH = 7  # words up to this long get one edit only
MIN_SERIES = 2  # a correction must be a stem this many series use (not someone else's typo)
PREFIX_LENGTH = 7


class Speller:
    """SymSpell over the index's stems, weighted by how many series hold each."""

    def __init__(self, stem_counts: Mapping[str, int]) -> None:
        self._symspell = SymSpell(max_dictionary_edit_distance=MAX_EDIT_DISTANCE, prefix_length=PREFIX_LENGTH)
        for stem, count in stem_counts.items():
            if count >= MIN_SERIES and stem.isalpha():
                self._symspell.create_dictionary_entry(stem, count)

    def correct(self, word: str, stem: str) -> str | None:
        """The indexed stem that ``word`` (whose own ``stem`` no series holds) was meant to be, or None."""
        if len(word) < MIN_WORD_LENGTH or not word.isalpha():
            return None
        distance = 1 if len(word) <= SHORT_WORD_LENGTH else MAX_EDIT_DISTANCE
        found = self._symspell.lookup(stem, Verbosity.TOP, max_edit_distance=distance)
        if not found:
            return None
        best: str = found[0].term
        return best
