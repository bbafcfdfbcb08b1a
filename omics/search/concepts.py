"""What a query asks for, concept by concept, and which records cover all of it.

"breast cancer cell line" is three things a researcher wants together; a record that only
says "breast" is not an answer, however the ranking scores it. So a query is split into
concepts: each ontology concept the vocabulary recognises ("breast cancer", "type 2
diabetes") and each remaining content word ("rate" in "heart rate"). A record covers a
concept when it holds all of the concept's own words (a name the ontology knows, as a phrase:
"multiple sclerosis", not "multiple" here and "sclerosis" there), or another name of the same concept
that the engine searched (a synonym, acronym or subtype from
:mod:`omics.search.vocabulary`), or the name the user gave in brackets ("Autism spectrum
disorder (ASD)", "Lupus (Systemic Lupus Erythematosus)": the bracket renames what precedes
it, it is not one more thing to find). A *full* match covers every concept; the others are
*partial* matches, ranked after every full one and counted apart, and their reasons say which
concept they miss.

Words that describe the kind of study rather than its topic ("levels", "data", "study") rank
like any word but are not required: "LDL cholesterol levels" is about LDL cholesterol.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from omics.search.brackets import inner_text, name_brackets, unbracketed
from omics.search.vocabulary import Vocabulary, is_acronym

# Words a researcher adds to say what kind of record they want, not what it is about.
NOT_REQUIRED = frozenset(
    {"level", "levels", "data", "dataset", "datasets", "study", "studies", "analysis", "profiling"}
)
Stems = Callable[[str], list[str]]
"""Tokenises a name the way the index does (:func:`omics.search.ranking.query_stems`)."""

LAY_WORDS: dict[str, tuple[str, ...]] = {"cancer": ("carcinoma",), "tumor": ("tumour",), "tumour": ("tumor",)}
NAME_GAP_WORDS = 1  # other words allowed between a recognised name's words (see phrase_gap)
CLINICAL_GAP_WORDS = 2  # ... and between those of its clinical form ("esophageal squamous cell carcinoma")
_SHORT_WORD = re.compile(r"(?<![A-Za-z0-9'\u2019])[A-Za-z0-9](?![A-Za-z0-9])")  # not a possessive's s
_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)?")


@dataclass(frozen=True)
class QueryConcept:
    """One thing the query asks for: its words as typed, and every way a record may name it.

    ``names`` are word groups (the query's own, then bracketed alternatives): a record holding
    every word of one group covers the concept. ``matched`` are the query spans whose ontology
    expansions also cover it (:attr:`omics.search.vocabulary.Expansion.matched`). ``clinical``
    are the names with their lay words in clinical form ("esophageal carcinoma").
    """

    label: str
    names: tuple[str, ...]
    matched: tuple[str, ...]
    clinical: tuple[str, ...] = ()


@dataclass
class _Unit:
    label: str
    start: int
    end: int
    names: list[str]
    matched: list[str]


def query_concepts(text: str, vocabulary: Vocabulary, stems: Stems) -> list[QueryConcept]:
    """The concepts of ``text`` (the query's free text and phrases), in the order typed.

    ``stems`` tokenises a name the way the index does; a word without stems (a stop word) is
    no concept.
    """
    outside = unbracketed(text, vocabulary, blank=True)  # a qualifier's words are the query's
    units = _units(outside, vocabulary, stems)
    for bracket in name_brackets(text, vocabulary):
        inner = inner_text(bracket)
        if not stems(inner):
            continue
        before = [u for u in units if u.end <= bracket.start()]
        if not before:
            alone = text[: bracket.start()] + " " + inner  # a leading bracket: its words are the query's
            units.extend(_units(alone, vocabulary, stems, offset=bracket.start()))
            continue
        host = _host(units, before, inner)
        host.names.append(inner)
        host.matched.extend(c.matched for c in vocabulary.specific_concepts(inner))
    return [
        QueryConcept(
            u.label,
            tuple(dict.fromkeys(u.names)),
            tuple(dict.fromkeys(u.matched)),
            tuple(dict.fromkeys(v for name in u.names for v in _lay_variants(name))),
        )
        for u in units
        if u.label.lower() not in NOT_REQUIRED
    ]


def _lay_variants(name: str) -> list[str]:
    """The name with its lay words in their clinical form ("esophageal cancer" -> "esophageal carcinoma").

    Researchers type "cancer"; submitters write "carcinoma" ("Vulvar, Cervical, Endometrial
    Carcinoma"), a form the ontology's synonyms, matched as exact phrases, do not list.
    """
    variants: list[str] = []
    for lay, clinical in LAY_WORDS.items():
        pattern = re.compile(rf"\b{lay}\b", re.I)
        if pattern.search(name):
            variants.extend(pattern.sub(word, name) for word in clinical)
    return variants


def _units(text: str, vocabulary: Vocabulary, stems: Stems, offset: int = 0) -> list[_Unit]:
    """Vocabulary concepts by their span, and every other content word as its own unit."""
    units: list[_Unit] = []
    taken: list[tuple[int, int]] = []
    for concept in vocabulary.specific_concepts(text):
        if concept.start < offset or (concept.start, concept.end) in taken:
            continue
        taken.append((concept.start, concept.end))
        units.append(_Unit(concept.matched, concept.start, concept.end, [concept.matched], [concept.matched]))
    for word in _WORD.finditer(text):
        if word.start() < offset or any(s <= word.start() < e for s, e in taken) or not stems(word.group()):
            continue
        units.append(_Unit(word.group(), word.start(), word.end(), [word.group()], []))
    return sorted(units, key=lambda u: u.start)


def _host(units: list[_Unit], before: list[_Unit], inner: str) -> _Unit:
    """What a bracket renames: the words its acronym spells ("heart rate (HR)"), else what ends last.

    Word units an acronym spells are merged into one concept, so "HR" may stand for both words.
    """
    last = before[-1]
    letters = inner.strip()
    if is_acronym(letters) and len(letters) > 1 and len(before) >= len(letters):
        spelled = before[-len(letters) :]
        if "".join(u.label[0] for u in spelled).upper() == letters.upper() and all(
            not u.matched for u in spelled
        ):
            label = " ".join(u.label for u in spelled)
            merged = _Unit(label, spelled[0].start, last.end, [label], [])
            units[units.index(spelled[0])] = merged
            for unit in spelled[1:]:
                units.remove(unit)
            return merged
    return last


def covering(
    concepts: Sequence[QueryConcept],
    present: Callable[[str], np.ndarray],
    credits: Mapping[str, np.ndarray],
    stems: Stems,
    size: int,
    holding: Callable[[str, np.ndarray, int], np.ndarray] | None = None,
    contained: Mapping[str, Sequence[str]] | None = None,
) -> list[np.ndarray]:
    """Per concept, the documents that cover it.

    ``present(stem)`` is the documents holding the stem (in any field); ``credits``
    maps an expansion's ``matched`` span to what its other names earned per document.
    ``holding(name, candidates, gap)`` narrows candidates to those holding ``name`` as a phrase
    (at most ``gap`` other words between its words), where :func:`phrase_gap` says holding
    the words is not holding the name. ``contained`` maps a span to
    other names of it made only of the query's own words ("anxiety" for "anxiety disorder").
    """
    masks: list[np.ndarray] = []
    for concept in concepts:
        mask = np.zeros(size, dtype=bool)
        shorter = [name for span in concept.matched for name in (contained or {}).get(span, ())]
        recognised = bool(concept.matched)
        tests = [(name, phrase_gap(name, stems, recognised)) for name in (*concept.names, *shorter)]
        tests += [
            (name, phrase_gap(name, stems, recognised, CLINICAL_GAP_WORDS)) for name in concept.clinical
        ]
        for name, gap in tests:
            words = stems(name)
            if words:
                held = np.ones(size, dtype=bool)
                for stem in words:
                    held &= present(stem)
                if holding is not None and gap is not None:
                    held = holding(name, held, gap)
                mask |= held
        for span in concept.matched:
            credit = credits.get(span)
            if credit is not None:
                mask |= credit > 0
        masks.append(mask)
    return masks


def phrase_gap(name: str, stems: Stems, recognised: bool, gap: int = 0) -> int | None:
    """How close a record must hold the words of ``name`` to hold the name; None: anywhere will do.

    A name with a one-character word ("type 2 diabetes", "B-cell") must stand as written: the
    index does not see that word, and "type 1 diabetes" holds the others. A concept the
    vocabulary recognised, named in more than one word, is one thing and not its words:
    "multiple sclerosis" is not a study of amyotrophic lateral sclerosis that tests "multiple
    cellular pathways". One word
    may stand between ("Vulvar, Cervical, Endometrial Carcinoma" names cervical carcinoma), or
    ``gap`` if more: a clinical form leaves room for the histology ("esophageal squamous cell
    carcinoma"). A word the user typed that no ontology names is only its word, found anywhere.
    """
    if has_unindexed_word(name):
        return 0
    if recognised and len(stems(name)) > 1:
        return max(gap, NAME_GAP_WORDS)
    return None


def has_unindexed_word(name: str) -> bool:
    """Does ``name`` hold a one-character word ("type 2 diabetes", "B-cell")? The index does not
    see it, so holding the name's stems is not holding the name."""
    return _SHORT_WORD.search(name) is not None


def full_matches(masks: Sequence[np.ndarray], size: int) -> np.ndarray:
    """Documents covering every concept (all of them when the query names none)."""
    full = np.ones(size, dtype=bool)
    for mask in masks:
        full &= mask
    return full


def missing(concepts: Sequence[QueryConcept], masks: Sequence[np.ndarray], doc: int) -> list[str]:
    """The concepts document ``doc`` does not cover, by the query's words for them."""
    return [c.label for c, mask in zip(concepts, masks, strict=True) if not mask[doc]]
