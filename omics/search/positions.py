"""Every word of every document in order, as integer arrays: phrase checks without reading text.

A recognised name ("breast cancer") covers a record only where its words stand together
(omics.search.concepts.phrase_gap), and a quoted phrase must stand as typed. Reading each
candidate's text with a regular expression (:class:`~omics.search.highlight.PhraseTest`) costs
microseconds a record, which the two thousand candidates of a common name at 250,000 series
turn into milliseconds a search. So each index segment also keeps, per document, the ids of
its words (every ``\\w+`` run of the lower-cased text, stop words and one-character words
included, since they count as gap words) field after field, each field closed by a
separator; a phrase check gathers the candidates' ids and follows the phrase from wherever
its first word stands, with array operations over those places only.

The test is the regular expression's, word for word: a word of the phrase matches a word
that starts with the same prefix (``PhraseTest.parts``), ids are given in sorted word order
so such words are one id range; a possessive's "s" ("Alzheimer's") has its own id, skipped
after a phrase word as the pattern skips it; the gap is at most ``gap_words`` words, or one
of "of", "the", "and"... when 0. Two things a regular expression does that arrays do not
are left to it: a match starting inside a word after an underscore, which it accepts, and
one starting inside a word after a letter, which it rejects but which can hide a real match
behind it. Documents where the phrase's first word occurs inside a word followed by the rest
of the phrase are returned as unsure, for the caller to read.
"""

from __future__ import annotations

import bisect
import functools
import re
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # highlight imports the index, which imports this module
    from omics.search.highlight import PhraseTest

_WORD = re.compile(r"\w+")
_WORD_OR_POSSESSIVE = re.compile(r"(?<=\w['\u2019])(s)(?!\w)|\w+")  # group 1: a possessive's s
SEPARATOR = "\x00"  # closes every field: no phrase runs from one field (or document) into the next
POSSESSIVE = "'s"  # the word a possessive's "s" is stored as
GAP_FREE_WORDS = ("of", "the", "and", "in", "with", "a", "an")  # what may stand in a gap of 0 words
_FILES = ("tokens.npy", "offsets.npy", "starts.npy", "words.txt")
# Where a phrase's first word stands in a word: at its start, inside after a letter or digit,
# inside after an underscore (bits of one int8 per word id).
_STARTS, _AFTER_LETTER, _AFTER_UNDERSCORE = 1, 2, 4
_INSIDE = _AFTER_LETTER | _AFTER_UNDERSCORE
_WORD_CACHE = 4096  # phrase words per segment whose ids are remembered (the vocabulary never changes)


class _Ids(dict[str, int]):
    """Word -> id in order of first sight."""

    def __missing__(self, word: str) -> int:
        self[word] = len(self)
        return len(self) - 1


def words_of(text: str) -> list[str]:
    """The words of ``text`` as a phrase test sees them: lower-cased ``\\w+`` runs, a
    possessive's s marked."""
    low = text.lower()
    if "'s" not in low and "\u2019s" not in low:
        return _WORD.findall(low)
    return [POSSESSIVE if m.group(1) else m.group() for m in _WORD_OR_POSSESSIVE.finditer(low)]


class WordPositions:
    """The word ids of a run of documents; ``tokens[offsets[d]:offsets[d + 1]]`` is document d."""

    def __init__(self, tokens: np.ndarray, offsets: np.ndarray, starts: np.ndarray, words: str) -> None:
        self.tokens = tokens
        self.offsets = offsets
        self.starts = starts  # word i is words[starts[i]:starts[i + 1] - 1]; each word ends with "\n"
        self.words = words
        self.size = len(starts) - 1
        self._range = functools.lru_cache(maxsize=_WORD_CACHE)(self._ids)
        self._index_type = np.int32 if len(tokens) < 2**31 else np.int64  # int32: twice as fast
        self._gap_free = np.zeros(self.size, dtype=bool)
        for word in GAP_FREE_WORDS:
            self._gap_free[slice(*self._range(word, whole=True))] = True
        possessive = self._range(POSSESSIVE, whole=True)
        self._possessive = possessive[0] if possessive[1] > possessive[0] else -1
        self._inner = functools.lru_cache(maxsize=_WORD_CACHE)(self._inner_ids)

    @classmethod
    def build(cls, fields: Sequence[Sequence[str | None]]) -> WordPositions:
        """Positions of documents whose texts are ``fields[f][d]`` (one sequence per field)."""
        ids = _Ids()
        separator = ids[SEPARATOR]
        tokens = array("i")
        offsets = array("q", [0])
        for texts in zip(*fields, strict=True):
            for text in texts:
                tokens.extend(map(ids.__getitem__, words_of(text or "")))
                tokens.append(separator)
            offsets.append(len(tokens))
        ordered = sorted(ids)
        rank = np.empty(len(ordered), dtype=np.int32)
        rank[[ids[word] for word in ordered]] = np.arange(len(ordered), dtype=np.int32)
        starts = np.zeros(len(ordered) + 1, dtype=np.int64)
        starts[1:] = np.cumsum([len(word) + 1 for word in ordered])
        text = "".join(f"{word}\n" for word in ordered)
        return cls(
            rank[np.frombuffer(tokens, dtype=np.int32)], np.frombuffer(offsets, dtype=np.int64), starts, text
        )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name, values in zip(_FILES, (self.tokens, self.offsets, self.starts), strict=False):
            np.save(directory / name, values)
        (directory / _FILES[3]).write_text(self.words, encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> WordPositions:
        """The words memory-mapped (only the pages of documents a search checks are read)."""
        tokens = np.load(directory / _FILES[0], mmap_mode="r").view(np.ndarray)
        offsets, starts = (np.load(directory / name) for name in _FILES[1:3])
        return cls(tokens, offsets, starts, (directory / _FILES[3]).read_text(encoding="utf-8"))

    # -- phrase test -------------------------------------------------------------------
    def holding(self, test: PhraseTest, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``docs`` (ids local to these positions): does it hold the phrase, and is
        that answer unsure (a match may start inside a word: read the text to know)?

        The documents' words are gathered once; then only the places where the phrase's first
        word stands are followed, word by word, so the cost is the gathering.
        """
        found = np.zeros(len(docs), dtype=bool)
        unsure = np.zeros(len(docs), dtype=bool)
        if test.empty or not len(docs):
            return found, unsure
        tokens, ends = self._gather(docs, padding=test.gap_words + 3)
        kind = self._first_word_table(*test.parts[0])[tokens]
        where = np.flatnonzero(kind)
        starts = where[(kind[where] & _STARTS) > 0]
        inside = where[(kind[where] & _INSIDE) > 0]
        found[np.searchsorted(ends, self._follow(starts, test, tokens), side="right")] = True
        unsure[np.searchsorted(ends, self._unsure(where, inside, kind, test, tokens), side="right")] = True
        return found, unsure

    def _first_word_table(self, text: str, whole: bool) -> np.ndarray:
        """Per word id, where the phrase's first word stands in it: at its start, or inside it
        after a letter or digit, or after an underscore (bits: a word may be more than one)."""
        table = self._matching(text, whole, np.arange(self.size)).astype(np.int8)  # _STARTS is 1
        ids, kinds = self._inner(text, whole)
        np.bitwise_or.at(table, ids, kinds)  # a word may hold it twice, both ways
        return table

    def _unsure(
        self, anywhere: np.ndarray, inside: np.ndarray, kind: np.ndarray, test: PhraseTest, tokens: np.ndarray
    ) -> np.ndarray:
        """Where a match starting inside a word may change the text test's answer.

        The text test starts a match wherever the phrase's first word follows a character
        that is no letter or digit: after an underscore inside a word ("x_b cell"), that match
        counts. After a letter or digit ("systemic stem cells") it does not, but the text test
        then resumes after it, so it may swallow a real match that starts within it.
        ``anywhere`` is every place the first word stands, in order; ``inside`` those within a word.
        """
        complete = self._follow(inside, test, tokens)
        if not len(complete):
            return complete
        span = (len(test.parts) - 1) * (max(test.gap_words, 1) + 2)  # possessive, gap, word per part
        after = anywhere[np.minimum(np.searchsorted(anywhere, complete, side="right"), len(anywhere) - 1)]
        swallows = (after > complete) & (after <= complete + span)
        unsure: np.ndarray = complete[((kind[complete] & _AFTER_UNDERSCORE) > 0) | swallows]
        return unsure

    def _gather(self, docs: np.ndarray, padding: int) -> tuple[np.ndarray, np.ndarray]:
        """The documents' words one after another, then ``padding`` separators (so following a
        match never reads past the end); and where each document's words end."""
        first = self.offsets[docs]
        lengths = self.offsets[docs + 1] - first
        ends = np.cumsum(lengths)
        # Word indexes as a running sum of steps: 1 within a document, a jump between two.
        step = np.ones(ends[-1] + padding, dtype=self._index_type)
        step[0] = first[0]
        step[ends[:-1]] = first[1:] - first[:-1] - lengths[:-1] + 1
        step[ends[-1] :] = 0  # the padding repeats the last index; its words become separators below
        tokens = np.take(self.tokens, np.cumsum(step, dtype=self._index_type))
        tokens[ends[-1] :] = 0
        return tokens, ends

    def _follow(self, starts: np.ndarray, test: PhraseTest, tokens: np.ndarray) -> np.ndarray:
        """Those of ``starts`` (where the phrase's first word stands) from which the whole
        phrase follows, part by part: only these places are read, never all the words again."""
        gap = test.gap_words
        origins, ends = starts, starts
        for text, whole in test.parts[1:]:
            if not len(ends):
                break
            # "Alzheimer's disease": the 's of a phrase word is no gap word
            skip = tokens[ends + 1] == self._possessive
            origins, ends = np.concatenate((origins, origins[skip])), np.concatenate((ends, ends[skip] + 1))
            steps = [(origins, ends + 1)]
            if gap == 0:
                free = self._gap_free[tokens[ends + 1]]
                steps.append((origins[free], ends[free] + 2))
            reach = origins, ends
            for _ in range(gap):
                passable = tokens[reach[1] + 1] != 0  # the separator (word 0) ends every field
                reach = reach[0][passable], reach[1][passable] + 1
                steps.append((reach[0], reach[1] + 1))
            origins = np.concatenate([o for o, _ in steps])
            ends = np.concatenate([e for _, e in steps])
            matched = self._matching(text, whole, tokens[ends])
            origins, ends = origins[matched], ends[matched]  # a place reached two ways is there twice
        return origins

    def _matching(self, text: str, whole: bool, tokens: np.ndarray) -> np.ndarray:
        """Which tokens a phrase word matches: those starting with ``text``, or it alone (``whole``)."""
        low, high = self._range(text, whole)
        matches: np.ndarray = (tokens >= low) & (tokens < high)
        if whole and text == "s" and self._possessive >= 0:
            matches |= tokens == self._possessive
        return matches

    def _ids(self, text: str, whole: bool) -> tuple[int, int]:
        """The ids of the words equal to ``text`` (``whole``) or starting with it: sorted, so one range."""
        width = None if whole else len(text)
        key = functools.partial(self._word, width=width)
        ids = range(self.size)
        return bisect.bisect_left(ids, text, key=key), bisect.bisect_right(ids, text, key=key)

    def _word(self, word_id: int, width: int | None) -> str:
        return self.words[self.starts[word_id] : self.starts[word_id + 1] - 1][:width]

    def _inner_ids(self, text: str, whole: bool) -> tuple[np.ndarray, np.ndarray]:
        """Words holding a phrase's first word not at their start ("breast" in "xbreast"; "b"
        ending "x_b" when ``whole``), and whether it follows an underscore there (or a letter or digit)."""
        needle = text + ("\n" if whole else "")
        at = []
        found = self.words.find(needle)
        while found >= 0:  # overlapping occurrences ("aa" in "aaa"): str.find is a fast scan
            at.append(found)
            found = self.words.find(needle, found + 1)
        where = np.array(at, dtype=np.int64)
        ids = np.searchsorted(self.starts, where, side="right") - 1
        inner = where != self.starts[ids]
        ids, where = ids[inner], where[inner]
        underscore = np.array([self.words[w - 1] == "_" for w in where.tolist()], dtype=bool)
        kinds = np.where(underscore, _AFTER_UNDERSCORE, _AFTER_LETTER).astype(np.int8)
        return ids, kinds
