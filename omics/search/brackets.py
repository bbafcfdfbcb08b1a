"""What a bracket in a query says: another name of what precedes it, or a qualifier.

"Autism spectrum disorder (ASD)" and "Lupus (Systemic Lupus Erythematosus)" name their topic
twice, and a record naming it either way names it. "breast cancer (female)", "asthma
(childhood)" and "diabetes (type 2)" narrow it: "female" is no name of breast cancer, so a
record need not say "breast cancer female" nor can it be about "female" alone. A bracket is
read as another name only when

- it abbreviates the words before it, its letters found in them in order, the first starting
  a word (Schwartz and Hearst's rule for abbreviations in biomedical text: "ASD", "GBM" for
  glioblastoma, "PCC" for pheochromocytoma, "T2D" for type 2 diabetes), or
- the vocabulary knows it and the name before it as names of one concept ("Lupus" and
  "Systemic Lupus Erythematosus", "heart attack (myocardial infarction)").

Any other bracket is a qualifier: its words are more of the query, as if typed without brackets,
and in front of the name when the vocabulary knows the two as one name ("diabetes (type 2)":
type 2 diabetes).
"""

from __future__ import annotations

import re

from omics.search.vocabulary import Vocabulary, abbreviates

BRACKET = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")  # "Autism spectrum disorder (ASD)"


def inner_text(bracket: re.Match[str]) -> str:
    """The text inside a bracket found by :data:`BRACKET`."""
    return (bracket.group(1) or bracket.group(2) or "").strip()


def renames(before: str, inner: str, vocabulary: Vocabulary | None) -> bool:
    """Is ``inner``, written in brackets after ``before``, another name of what ``before`` ends with?

    Without a vocabulary a bracket cannot be told apart and is read as a name.
    """
    if vocabulary is None:
        return True
    return abbreviates(inner, before) or _one_concept(before, inner, vocabulary)


def _one_concept(before: str, inner: str, vocabulary: Vocabulary) -> bool:
    """Does the vocabulary name the bracket and the words right before it by one concept?"""
    end = len(before.rstrip())
    preceding = {c.term_id for c in vocabulary.specific_concepts(before) if c.end == end}
    return bool(preceding & {c.term_id for c in vocabulary.specific_concepts(inner)})


def name_brackets(text: str, vocabulary: Vocabulary | None) -> list[re.Match[str]]:
    """The brackets of ``text`` that rename what precedes them (the others are qualifiers)."""
    return [
        found
        for found in BRACKET.finditer(text)
        if inner_text(found) and renames(text[: found.start()], inner_text(found), vocabulary)
    ]


def unbracketed(text: str, vocabulary: Vocabulary | None, blank: bool = False) -> str:
    """``text`` without its name brackets, its qualifiers' words kept as ordinary words.

    ``blank`` keeps every character's offset (name brackets and brackets become spaces).
    """
    names = {found.start() for found in name_brackets(text, vocabulary)}

    def replace(found: re.Match[str]) -> str:
        if found.start() in names:
            return " " * len(found.group(0))
        return " " + found.group(0)[1:-1] + " "

    kept = BRACKET.sub(replace, text)
    return kept if blank else " ".join(kept.split())


def qualifiers_in_front(text: str, vocabulary: Vocabulary) -> str:
    """``text`` with each qualifier the vocabulary knows in front of the name it follows read
    there: "diabetes (type 2)" is type 2 diabetes, "asthma (childhood)" childhood onset asthma.

    Trait lists and indexes write a name first and its qualifier after it, in brackets (as
    MeSH's "Diabetes Mellitus, Type 2"); read in place, "diabetes" and "type" were two concepts
    that a study of type 1 diabetes covers. A qualifier the vocabulary does not know with the
    name ("breast cancer (TCGA)") stays where it is.
    """
    read: list[str] = []
    done = 0
    for found in BRACKET.finditer(text):
        inner, before = inner_text(found), text[: found.start()]
        end = len(before.rstrip())
        for concept in vocabulary.specific_concepts(before):
            if concept.end != end or concept.start < done or not inner or renames(before, inner, vocabulary):
                continue
            name = f"{inner} {text[concept.start : concept.end]}"
            if any(c.start == 0 and c.end == len(name) for c in vocabulary.specific_concepts(name)):
                read += [text[done : concept.start], name]
                done = found.end()
                break
    return "".join([*read, text[done:]])


def bracket_names(text: str, vocabulary: Vocabulary | None = None) -> tuple[str, ...]:
    """The names a query gives one thing when it puts one in brackets: the text outside the
    name brackets, then each name bracket's ("Lupus (Systemic Lupus Erythematosus)" -> "Lupus",
    "Systemic Lupus Erythematosus"); none for a query without a bracket that renames.

    A researcher (or a trait list) writes such a bracket to rename what precedes it, so a record
    naming the thing either way names it (omics.search.concepts reads brackets the same way):
    their words are not one name to find together.
    """
    inner = [inner_text(found) for found in name_brackets(text, vocabulary)]
    if not inner:
        return ()
    outside = unbracketed(text, vocabulary)
    return tuple(name for name in (outside, *inner) if name)
