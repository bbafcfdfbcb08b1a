"""Words as written around one-character words: a name such as "type 2 diabetes" told from
"type 1 diabetes" by the index, not by reading each record's text.

The ranked fields hold stems of two or more characters (:mod:`.schema`), so "type 2 diabetes"
and "type 1 diabetes" look alike there, and the engine reads the records holding the name's
other words to apply the text test (:class:`~omics.search.highlight.PhraseTest`), up to
``PHRASE_CHECK_BUDGET`` of them: about 200 ms a search at 250,000 series. Two more fields
answer most of those records without reading them:

- ``short_words``: each one-character word of the record's texts (a run of letters or
  digits of length one; no positions). The text test needs every one-character word of the
  name to stand alone like that, and the name's words near it in order (read from
  ``near_short``), so a record lacking either cannot hold the name (:func:`possible`).
- ``near_short``: the texts' words as the text test sees them (lower-cased ``\\w+`` runs, not
  stemmed, stop words kept), but only within ``WINDOW`` words of a one-character word, the
  windows of a field and the fields apart from each other (a separator word stands between).
  The name's words (or words with the same first letters, as the text test matches them)
  standing there in order, one after the other, is the text test passing (:func:`sure`),
  unless a match the text test rejects could hide it (then they are not tried).

What neither settles is read as before, so the answers are the text test's.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Sequence

import tantivy
from tantivy import Occur, Query

from omics.search.highlight import PhraseTest

NEAR_SHORT, SHORT_WORDS = "near_short", "short_words"
WORDS_TOKENIZER = "omics_words"  # whitespace: the words are split here, as the text test splits them
# Words kept on each side of a one-character word: "diabetes mellitus type 2" still fits with
# two words in each gap (:func:`possible`).
WINDOW = 9
UNDERSCORE = "_"  # in short_words before a letter or digit that follows an underscore
SEPARATOR = "|"  # stands between windows and fields: never a word, so no phrase runs across
GAP_FREE_WORDS = frozenset(("of", "the", "and", "in", "with", "a", "an", "s"))  # and a possessive's s
_WORD = re.compile(r"\w+")
_ALNUM_RUN = re.compile(r"[^\W_]+")
_AFTER_UNDERSCORE = re.compile(r"_([^\W_])")
MOST_PHRASES = 64  # forms of a name's words tried together, at most
# A longer word is cut (tantivy bounds a term's length): it still starts with the letters the
# text test matches a name's word by.
_LONGEST = 200


def words_tokenizer() -> tantivy.TextAnalyzer:
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def near_short(texts: Iterable[str]) -> str:
    """The ``near_short`` value of a record whose fields read ``texts``."""
    out: list[str] = []
    for text in texts:
        words = [w[:_LONGEST] for w in _WORD.findall(text.lower())]
        spans: list[list[int]] = []  # [first, end) of each window, overlapping ones merged
        for i in (i for i, w in enumerate(words) if len(w) == 1):
            first, end = max(i - WINDOW, 0), min(i + WINDOW + 1, len(words))
            if spans and first <= spans[-1][1]:
                spans[-1][1] = end
            else:
                spans.append([first, end])
        for first, end in spans:
            out += words[first:end]
            out.append(SEPARATOR)
    return " ".join(out)


def short_words(texts: Iterable[str]) -> str:
    """The ``short_words`` value: every one-character run of letters or digits in ``texts``,
    and each letter or digit that follows an underscore, after ``UNDERSCORE``."""
    lowered = [text.lower() for text in texts]
    found = {run for low in lowered for run in _ALNUM_RUN.findall(low) if len(run) == 1}
    found.update(UNDERSCORE + m.group(1) for low in lowered for m in _AFTER_UNDERSCORE.finditer(low))
    return " ".join(sorted(found))


def sure(
    schema: tantivy.Schema, test: PhraseTest, forms: Callable[[str], Sequence[tuple[str, int]]]
) -> Query | None:
    """Records the index shows holding the phrase of ``test`` (None: it cannot tell).

    The text test matches a word of the phrase by its first letters (``PhraseTest.parts``), so
    each word stands for the words of ``forms(letters)`` (``near_short``'s terms with those
    first letters and their document counts; the commonest are tried, at most
    ``MOST_PHRASES`` phrases). A record whose words include such words one after the other
    (only non-word characters between them) has a match of the test's pattern starting at a
    word's start. The test skips it only if a match it rejects (one starting inside a word)
    runs over that start; such a match's later words are the phrase's later words, gap words
    or a possessive's "s", so a first word that could be one of those is not tried.
    """
    if test.empty or len(test.parts) > WINDOW + 1 or not all(text for text, _whole in test.parts):
        return None
    later = test.parts[1:]

    def may_hide_a_match(word: str) -> bool:
        return word in GAP_FREE_WORDS or any(word == t if whole else word.startswith(t) for t, whole in later)

    choices = []
    for i, (text, whole) in enumerate(test.parts):
        found = (
            [text] if whole else [w for w, _n in sorted(forms(text), key=lambda form: (-form[1], form[0]))]
        )
        choices.append([w for w in found if not may_hide_a_match(w)] if i == 0 else found)
    if not all(choices):
        return None
    while math.prod(len(c) for c in choices) > MOST_PHRASES:  # the rarest forms of the most varied word go
        max(choices, key=len).pop()
    phrases = [
        Query.phrase_query(schema, NEAR_SHORT, list(enumerate(words)), 0)
        if len(words) > 1
        else Query.term_query(schema, NEAR_SHORT, words[0])
        for words in itertools.product(*choices)
    ]
    return any_of(phrases)


def possible(
    schema: tantivy.Schema, test: PhraseTest, forms: Callable[[str], Sequence[tuple[str, int]]]
) -> Query | None:
    """Records that may hold the phrase of ``test`` (None: any may).

    Each one-character word of the phrase stands alone in them, and the phrase's words (any
    of ``forms``, which must be all of them here) stand in order near it, at most two words
    (a possessive's "s", a gap word) between two of them: or the phrase's first letter follows
    an underscore in the record, where the text test may start a match inside a word.
    """
    short = [text for text, whole in test.parts if whole]
    if not short or not all(_ALNUM_RUN.fullmatch(text) for text in short):
        return None
    required = [Query.term_query(schema, SHORT_WORDS, text) for text in dict.fromkeys(short)]
    near = _near(schema, test, forms)
    if near is not None:
        inside = Query.term_query(schema, SHORT_WORDS, UNDERSCORE + test.parts[0][0][0])
        required.append(any_of([near, inside]))
    return required[0] if len(required) == 1 else Query.boolean_query([(Occur.Must, q) for q in required])


def _near(
    schema: tantivy.Schema, test: PhraseTest, forms: Callable[[str], Sequence[tuple[str, int]]]
) -> Query | None:
    """The phrase's words in order within ``near_short``, two words between each at most."""
    gaps = len(test.parts) - 1
    # A match's words are at most 3 words apart (a word, a possessive's "s", a gap word): all
    # of them must be within the window of one of its one-character words.
    spans = [max(3 * i, 3 * (gaps - i)) for i, (_text, whole) in enumerate(test.parts) if whole]
    if (
        not gaps
        or min(spans, default=WINDOW + 1) > WINDOW
        or not all(text and "_" not in text for text, _whole in test.parts)
    ):
        return None
    choices = [[text] if whole else [w for w, _n in forms(text)] for text, whole in test.parts]
    if not all(choices):  # a word no window holds: no match is near a one-character word
        return Query.empty_query()
    if math.prod(len(c) for c in choices) > MOST_PHRASES:
        return None
    # tantivy's slop is the words out of place in all: two a gap is at most 2 * gaps
    phrases = [
        Query.phrase_query(schema, NEAR_SHORT, list(enumerate(words)), 2 * gaps)
        for words in itertools.product(*choices)
    ]
    return any_of(phrases)


def any_of(queries: Sequence[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])
