"""Highlighted snippets and short "why it matched" reasons for one ranked series.

Matching is by stem, the way the index matched: a query word ``cancers`` highlights
``cancer``, ``cancerous`` and ``Cancers``. Text is HTML-escaped and matches are wrapped in
``<mark>`` so a page can insert it as-is. Explanations are computed per result on demand
(only the results a user actually sees pay for them).
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from omics.search.brackets import bracket_names
from omics.search.index import stem_words, tokenize
from omics.search.series import Series
from omics.search.vocabulary import Vocabulary

SNIPPET_CHARS = 240
_WORD = re.compile(r"\w\w+", re.UNICODE)
_PHRASE_WORD = re.compile(r"\w+", re.UNICODE)
_POSSESSIVE = re.compile(r"(?:['\u2019]s\b)")
_WORD_CHAR = re.compile(r"\w", re.UNICODE)


def _word_pattern(word: str, stem: str) -> str:
    """A word-start pattern matching the word itself or anything that begins with its stem."""
    return rf"(?:{re.escape(stem)}\w*|{re.escape(word)})"


def _shared_prefix(word: str, stem: str) -> str:
    """The part of a word its stem keeps ("studies"/"studi" -> "studi"; never empty)."""
    size = 0
    while size < min(len(word), len(stem)) and word[size] == stem[size]:
        size += 1
    return word[:size] or word


@dataclass(frozen=True)
class QueryTerms:
    """The query words to look for in text, with their stems and the phrases asked for."""

    words: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # the query's names of one thing, when it gave one in brackets

    @classmethod
    def from_text(
        cls, free_text: str, phrases: Sequence[str] = (), vocabulary: Vocabulary | None = None
    ) -> QueryTerms:
        """The terms of a query; ``vocabulary`` tells a bracket that renames from a qualifier
        (:func:`omics.search.brackets.bracket_names`)."""
        kept = set(tokenize([free_text + " " + " ".join(phrases)])[0])
        words = [
            w
            for w in dict.fromkeys(_WORD.findall(free_text.lower() + " " + " ".join(phrases).lower()))
            if stem_words([w])[0] in kept
        ]
        return cls(tuple(words), tuple(phrases), bracket_names(free_text, vocabulary))

    def matcher(self) -> WordMatcher | None:
        return _matcher(self.words)


class WordMatcher:
    r"""Where word-start patterns match (in any case) with no word character before them:
    the matches of ``(?<!\w)(?:a|b|...)``, found faster.

    The look-behind makes the regular expression engine try every position of a text in
    turn; a bare pattern lets it skip to its first characters, and the matches a word
    character precedes are dropped afterwards. A match is made of word characters only, so a
    dropped one hides no other: every position inside it follows a word character too. Bare
    patterns pay off where the engine can skip: a single pattern in any case, or (case-blind
    matching costs more) any patterns in lower case over an ASCII text lower-cased, which has
    the same positions and, being ASCII, no letter that matches another case-blind only.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        either = "|".join(patterns)
        self._single = len(patterns) == 1
        self._any_case = re.compile(
            f"(?:{either})" if self._single else rf"(?<!\w)(?:{either})", re.IGNORECASE
        )
        self._lowered = re.compile(f"(?:{either})") if either.isascii() and either == either.lower() else None

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each match, in order."""
        if self._lowered is not None and text.isascii():
            return _word_starts(self._lowered, text.lower())
        if self._single:
            return _word_starts(self._any_case, text)
        return (match.span() for match in self._any_case.finditer(text))

    def found(self, text: str) -> bool:
        return next(self.spans(text), None) is not None


def _word_starts(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """The matches of ``pattern`` in ``text`` that no word character precedes."""
    for match in pattern.finditer(text):
        start = match.start()
        if not start or _WORD_CHAR.match(text, start - 1) is None:
            yield match.span()


@lru_cache(maxsize=4096)
def _matcher(words: tuple[str, ...]) -> WordMatcher | None:
    """Any of ``words`` (by stem); cached: every hit of a page, and every page, asks for the same."""
    if not words:
        return None
    stems = stem_words(words)
    return WordMatcher([_word_pattern(w, s) for w, s in zip(words, stems, strict=True)])


class PhraseTest:
    """Does a text hold a phrase (its words in order, matched by stem)? Built for speed.

    Text is lower-cased and searched with a case-sensitive pattern that starts with a literal
    (the shared prefix of word and stem), which lets the regex engine skip ahead with a fast
    literal scan: about eight times faster than a case-insensitive pattern with a leading
    look-behind, and phrase tests run over thousands of records per search.
    """

    def __init__(self, phrase: str, gap_words: int = 0) -> None:
        # One-character words ("type 2 diabetes", "B-cell") are not indexed, but they tell the
        # phrase apart ("type 1 diabetes"): here they must be there, as whole words.
        # A possessive is the same name: "Alzheimer's disease" ~ "Alzheimer disease".
        words = _PHRASE_WORD.findall(_POSSESSIVE.sub("", phrase.lower()))
        self.words = tuple(words)  # as the shared index's near_short field holds them
        self.empty = not any(len(w) > 1 for w in words)
        self.gap_words = gap_words
        # What each word must be: a word starting with the shared prefix of word and stem, or
        # (a one-character word) that character alone. omics.search.positions reads these.
        self.parts = tuple(
            (_shared_prefix(w, s), False) if len(w) > 1 else (w, True)
            for w, s in zip(words, stem_words(words), strict=True)
        )
        parts = [
            (re.escape(text) + (r"(?!\w)" if whole else r"\w*")) + _POSSESSIVE.pattern + "?"
            for text, whole in self.parts
        ]
        gap = rf"\W+(?:\w+\W+){{0,{gap_words}}}" if gap_words else r"\W+(?:(?:of|the|and|in|with|a|an)\W+)?"
        self.pattern = re.compile(gap.join(parts))

    def __call__(self, text: str) -> bool:
        return self.in_lowered(text.lower())

    def in_lowered(self, low: str) -> bool:
        """The test on text already lower-cased (several tests of one text lower it once)."""
        if not self.may_be_in(low):
            return False
        return any(m.start() == 0 or not low[m.start() - 1].isalnum() for m in self.pattern.finditer(low))

    def may_be_in(self, low: str) -> bool:
        """False when lower-cased ``low`` cannot hold the phrase: each word's letters stand in
        every text that holds it, so a text (or texts joined) lacking one holds it nowhere."""
        return not self.empty and all(text in low for text, _whole in self.parts)


def mark(text: str, matcher: WordMatcher | None) -> str:
    """HTML-escaped text with every match wrapped in <mark>."""
    if matcher is None:
        return html.escape(text)
    out: list[str] = []
    last = 0
    for start, end in matcher.spans(text):
        out.append(html.escape(text[last:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def snippet(text: str, matcher: WordMatcher | None, width: int = SNIPPET_CHARS) -> str:
    """The ``width``-character window of ``text`` holding the most matches, highlighted."""
    if len(text) <= width:
        return mark(text, matcher)
    starts = [start for start, _end in matcher.spans(text)] if matcher else []
    best = 0
    if starts:
        # Matches in the window from each match (starts ascend: one bisection each, not a scan).
        inside = [bisect_left(starts, start + width, i) - i for i, start in enumerate(starts)]
        best = starts[inside.index(max(inside))]
        best = max(0, min(best - width // 6, len(text) - width))
        best = text.rfind(" ", 0, best) + 1 if best else 0
    end = text.find(" ", best + width)
    end = len(text) if end == -1 else end
    prefix = "\u2026 " if best else ""
    suffix = " \u2026" if end < len(text) else ""
    return prefix + mark(text[best:end].strip(), matcher) + suffix


def highlights(record: Series, terms: QueryTerms) -> dict[str, str]:
    """Highlighted title and best summary (or overall design) passage."""
    matcher = terms.matcher()
    out = {"title": mark(record.title, matcher), "summary": snippet(record.summary, matcher)}
    if (
        record.overall_design
        and matcher
        and matcher.found(record.overall_design)
        and not matcher.found(record.summary)
    ):
        out["overall_design"] = snippet(record.overall_design, matcher)
    return out


def reasons(record: Series, terms: QueryTerms, limit: int = 4) -> list[str]:
    """A few plain-language reasons this record matched, strongest evidence first."""
    found: list[str] = []
    for phrase in terms.phrases or ((" ".join(terms.words),) if len(terms.words) > 1 else ()):
        holds = _phrase_test(phrase)
        for label, text in (("title", record.title), ("summary", record.summary)):
            if holds(text):
                found.append(f'phrase "{phrase}" in the {label}')
                break
    tests = [(word, _word_test(word)) for word in terms.words]
    for label, text in (
        ("title", record.title),
        ("summary", record.summary),
        ("overall design", record.overall_design),
    ):
        hits = [word for word, holds in tests if holds(text)]
        if hits:
            found.append(f"{label} mentions {', '.join(hits)}")
    return found[:limit]


def sample_reasons(record: Series, terms: QueryTerms, names: Sequence[str] = (), limit: int = 3) -> list[str]:
    """How many of the record's samples name what was searched: "3 of 48 samples mention glioblastoma".

    A cohort can be an answer because of its samples alone, and the count tells a researcher
    how much of it is: three tumours of a subtype among 48, or the whole cohort. The query is
    counted as a whole (its phrase) when samples hold it so, else word by word; then each other
    name searched for it (``names``: synonyms, acronyms) that samples hold.
    """
    texts = [sample.text for sample in record.samples]
    if not texts:
        return []
    samples = _SampleTexts(texts)
    whole = list(terms.phrases) or ([" ".join(terms.words)] if len(terms.words) > 1 else [])
    counts = [(phrase, samples.holding_phrase(phrase)) for phrase in whole]
    if not any(count for _label, count in counts):
        counts = [(word, sum(1 for text in texts if _word_test(word)(text))) for word in terms.words]
    counts += [(f'"{name}"', samples.holding_phrase(name)) for name in names]
    found = [f"{count} of {len(texts)} samples mention {label}" for label, count in counts if count]
    return found[:limit]


class _SampleTexts:
    """A record's sample texts, each lower-cased once for every phrase test, and all of them
    joined, where a phrase whose words' letters are missing is ruled out for every sample at
    once (a cohort lists hundreds of samples; most other names hold in none of them)."""

    def __init__(self, texts: list[str]) -> None:
        self.lowered = [text.lower() for text in texts]
        self.together = "\n".join(self.lowered)

    def holding_phrase(self, phrase: str) -> int:
        test = _phrase_test(phrase)
        if not test.may_be_in(self.together):
            return 0
        return sum(1 for low in self.lowered if test.in_lowered(low))


@lru_cache(maxsize=4096)
def _word_test(word: str) -> Callable[[str], bool]:
    """Does a text hold the word (by stem, as :func:`reasons` matches it)?"""
    matcher = WordMatcher([_word_pattern(word, stem_words([word])[0])])
    return matcher.found


@lru_cache(maxsize=4096)
def _phrase_test(phrase: str) -> PhraseTest:
    """Building a phrase test costs more than running it; every hit of a page asks for the same."""
    return PhraseTest(phrase)


def other_names_found(record: Series, names: Sequence[str], limit: int = 2) -> list[str]:
    """Which of the searched other names (ontology synonyms) this record's title or summary holds."""
    found: list[str] = []
    if not names:
        return found
    texts = (record.title.lower(), record.summary.lower())
    for name in names:
        holds = _phrase_test(name)
        if any(holds.in_lowered(text) for text in texts):
            found.append(name)
            if len(found) == limit:
                break
    return found


@lru_cache(maxsize=4096)
def words_of(name: str) -> tuple[str, ...]:
    """The highlightable words of another name (cached: every hit of a page asks for the same)."""
    return QueryTerms.from_text(name).words
