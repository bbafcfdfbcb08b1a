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
and rebuilt after the index changes. :func:`correct_query` is the whole rule, for either index
layer: the engine says which stems its index holds, gives the dictionary, and the record that
holds a stem most strongly (whose own spelling of it is what the user is shown).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from symspellpy import SymSpell, Verbosity

from omics.search.index import FIELDS, stem_words
from omics.search.query_parser import ParsedQuery
from omics.search.ranking import query_stems
from omics.search.series import Series
from omics.search.vocabulary import is_acronym

MAX_EDIT_DISTANCE = 2
MIN_WORD_LENGTH = 5  # shorter words are too often acronyms or other words one edit away
SHORT_WORD_LENGTH = 7  # words up to this long get one edit only
MIN_SERIES = 2  # a correction must be a stem this many series use (not someone else's typo)
PREFIX_LENGTH = 7
_TEXT_WORD = re.compile(r"\w\w+")  # bm25s's token pattern: the words a stem came from


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


def correct_query(
    parsed: ParsedQuery,
    held: Callable[[str], bool],
    speller: Callable[[], Speller],
    holder: Callable[[str], Series | None],
) -> dict[str, Any]:
    """Replace free-text words no series holds (``held(stem)`` false) by the corpus word meant.

    ``speller()`` gives the index's dictionary (built only if a word needs it); ``holder(stem)``
    the record holding the corrected stem most strongly (if it can be read), whose spelling of
    it is searched and shown. Returns what the user is shown: each correction and the query as
    searched ("did you mean"); the parsed query's free text and notes are changed in place.
    """
    fixed: list[dict[str, str]] = []
    words = parsed.free_text.split()
    for position, word in enumerate(words):
        core = word.strip(".,;:!?()[]'\"")
        stems = query_stems(core)
        if len(stems) != 1 or is_acronym(core) or held(stems[0]):
            continue
        stem = speller().correct(core.lower(), stems[0])
        if stem is not None:
            surface = surface_word(stem, holder(stem))
            words[position] = word.replace(core, surface)
            fixed.append({"typed": core, "searched": surface})
    if not fixed:
        return {}
    parsed.free_text = " ".join(words)
    meant = parsed.text
    for correction in fixed:
        typed, searched = correction["typed"], correction["searched"]
        meant = meant.replace(typed, searched)
        note = f'Did you mean "{searched}"? No series mention "{typed}", so "{searched}" was searched.'
        parsed.notes.append(note)
    return {"spelling": fixed, "did_you_mean": meant}


def surface_word(stem: str, record: Series | None) -> str:
    """How ``record`` writes ``stem`` ("arthritis" for "arthriti"); the stem if it does not."""
    if record is None:
        return stem
    for field_name in FIELDS:
        words: list[str] = _TEXT_WORD.findall(getattr(record, field_name) or "")
        for word, its_stem in zip(words, stem_words(words), strict=True):
            if its_stem == stem:
                return word.lower()
    return stem
