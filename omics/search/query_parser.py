"""Turn a researcher's free-text query into a structured, explainable query.

Understood, in this order: quoted phrases (``"breast cancer"``), exclusions (``-mouse``,
``NOT "cell line"``), sample-size phrases ("at least 20 samples", ">= 20 samples", "more
than 10 samples", "fewer than 50 samples", "between 10 and 40 samples"), exact GEO
accessions (GSE/GDS/GPL/GSM), "more datasets like GSE63741" (the named series become
examples for query by example), organism words ("human", "mice", "zebrafish") and assay
words ("RNA-seq", "microarray", "ChIP-seq", "methylation", "single-cell"). What is left is
free text. The result is returned to the user (``SearchOutcome.parsed``) so they see how the
query was read; nothing is silently dropped: unrecognised words stay free text.

Organism and assay words become filters (the user asked for mouse data, so non-mouse data
is not an answer); words that also describe the topic ("methylation", "single-cell") stay
in the free text too, so they still rank.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from omics.search.vocabulary import is_acronym

ACCESSION = re.compile(r"^(GSE|GDS|GPL|GSM)\d+$", re.IGNORECASE)

ORGANISM_WORDS: dict[str, str] = {
    "human": "Homo sapiens",
    "humans": "Homo sapiens",
    "homo sapiens": "Homo sapiens",
    "mouse": "Mus musculus",
    "mice": "Mus musculus",
    "murine": "Mus musculus",
    "mus musculus": "Mus musculus",
    "rat": "Rattus norvegicus",
    "rats": "Rattus norvegicus",
    "rattus norvegicus": "Rattus norvegicus",
    "zebrafish": "Danio rerio",
    "danio rerio": "Danio rerio",
    "drosophila": "Drosophila melanogaster",
    "fruit fly": "Drosophila melanogaster",
    "yeast": "Saccharomyces cerevisiae",
    "c. elegans": "Caenorhabditis elegans",
    "arabidopsis": "Arabidopsis thaliana",
    "chicken": "Gallus gallus",
    "pig": "Sus scrofa",
    "porcine": "Sus scrofa",
    "bovine": "Bos taurus",
    "cattle": "Bos taurus",
    "dog": "Canis lupus familiaris",
    "canine": "Canis lupus familiaris",
    "rhesus": "Macaca mulatta",
    "macaque": "Macaca mulatta",
}

_HTS_EXPRESSION = "Expression profiling by high throughput sequencing"
_BINDING = "Genome binding/occupancy profiling by high throughput sequencing"
_METHYLATION = (
    "Methylation profiling by array",
    "Methylation profiling by high throughput sequencing",
    "Methylation profiling by genome tiling array",
)


@dataclass(frozen=True)
class AssayWord:
    """An assay phrase, the GEO series types it stands for, and whether it also names the topic."""

    pattern: str
    series_types: tuple[str, ...]
    keep_as_text: bool = False


ASSAY_WORDS: tuple[AssayWord, ...] = (
    AssayWord(
        r"sc-?rna-?seq|single[- ]cell(?: rna[- ]?seq(?:uencing)?)?|snrna-?seq",
        (_HTS_EXPRESSION,),
        keep_as_text=True,
    ),
    AssayWord(r"rna[- ]?seq(?:uencing)?|transcriptome sequencing", (_HTS_EXPRESSION,)),
    AssayWord(r"microarrays?|expression arrays?", ("Expression profiling by array",)),
    AssayWord(r"chip[- ]?seq|cut&run|atac[- ]?seq", (_BINDING,)),
    AssayWord(r"(?:dna )?methylation|bisulfite sequencing|rrbs", _METHYLATION, True),
    AssayWord(
        r"mirna|microrna|ncrna|lncrna",
        (
            "Non-coding RNA profiling by high throughput sequencing",
            "Non-coding RNA profiling by array",
        ),
        True,
    ),
)

_NUMBER = r"(\d{1,7})"
_SAMPLES = r"\s*(?:samples?|subjects?|patients?)\b"
# (pattern, how the captured numbers become (min_samples, max_samples))
SAMPLE_PHRASES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (
        re.compile(r"\bbetween\s+" + _NUMBER + r"\s+and\s+" + _NUMBER + _SAMPLES, re.I),
        lambda a, b: (min(a, b), max(a, b)),
    ),
    (
        re.compile(r"(?:\bat least|>=|≥|\bminimum of|\bno fewer than)\s*" + _NUMBER + _SAMPLES, re.I),
        lambda n: (n, None),
    ),
    (
        re.compile(r"(?:\bmore than|\bover|\bgreater than|>)\s*" + _NUMBER + _SAMPLES, re.I),
        lambda n: (n + 1, None),
    ),
    (re.compile(r"\b" + _NUMBER + r"\s*(?:\+|or more)" + _SAMPLES, re.I), lambda n: (n, None)),
    (
        re.compile(r"(?:\bat most|<=|≤|\bno more than|\bup to|\bmaximum of)\s*" + _NUMBER + _SAMPLES, re.I),
        lambda n: (None, n),
    ),
    (
        re.compile(r"(?:\bfewer than|\bless than|\bunder|<)\s*" + _NUMBER + _SAMPLES, re.I),
        lambda n: (None, max(n - 1, 0)),
    ),
)

_PHRASE = re.compile(r'(?:(?<=\s)|^)(-|NOT\s+)?"([^"]+)"', re.I)
# "more datasets like GSE1, GSE2", "series similar to GSE3": the named series are examples.
_LIKE = re.compile(
    r"(?:\b(?:more|other|find|show)\s+)?(?:\b(?:data\s*sets?|datasets?|series|studies|experiments)\s+)?"
    r"\b(?:like|similar\s+to|resembling)\s+((?:GSE\d+(?:\s*,\s*|\s+and\s+|\s+)?)+)",
    re.I,
)


@dataclass
class ParsedQuery:
    """A query as understood; ``to_dict`` is what users see next to their results."""

    text: str
    free_text: str = ""
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    accessions: list[str] = field(default_factory=list)
    similar_to: list[str] = field(default_factory=list)
    organisms: list[str] = field(default_factory=list)
    series_types: list[str] = field(default_factory=list)
    min_samples: int | None = None
    max_samples: int | None = None
    notes: list[str] = field(default_factory=list)
    readings: list[dict[str, Any]] = field(default_factory=list)

    def read_as(self, words: str, field_name: str, value: Any) -> None:
        """Record that ``words`` of the query set ``field_name`` to ``value``: the page shows it
        as a removable chip, and removing the chip removes exactly these words."""
        self.readings.append({"words": words, "field": field_name, "value": value})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _take(pattern: re.Pattern[str], text: str) -> tuple[list[re.Match[str]], str]:
    """All matches of a pattern and the text with them blanked out."""
    found = list(pattern.finditer(text))
    return found, pattern.sub(" ", text)


def _parse_samples(parsed: ParsedQuery, text: str) -> str:
    for pattern, bounds in SAMPLE_PHRASES:
        found, text = _take(pattern, text)
        for match in found:
            low, high = bounds(*(int(g) for g in match.groups()))
            if low is not None:
                parsed.min_samples = max(parsed.min_samples or 0, low)
            if high is not None:
                parsed.max_samples = high if parsed.max_samples is None else min(parsed.max_samples, high)
            parsed.notes.append(f'"{match.group(0).strip()}" read as a sample-size filter')
            parsed.read_as(match.group(0).strip(), "samples", {"min": low, "max": high})
    return text


def _parse_examples(parsed: ParsedQuery, text: str) -> str:
    """Series named after "like" / "similar to" are examples to rank by, not items to look up."""
    found, text = _take(_LIKE, text)
    for match in found:
        named = [a.upper() for a in re.findall(r"GSE\d+", match.group(1), re.I)]
        parsed.similar_to.extend(a for a in named if a not in parsed.similar_to)
        parsed.notes.append(f'"{match.group(0).strip()}" read as: series like {", ".join(named)}')
        parsed.read_as(match.group(0).strip(), "similar_to", named)
    return text


def _standalone(pattern: str) -> re.Pattern[str]:
    """``pattern`` standing alone (not inside a longer word or hyphenated compound), any case."""
    return re.compile(r"(?<![\w-])(?:" + pattern + r")(?![\w-])", re.I)


# Longest organism phrases first, so "mus musculus" is taken before any shorter word in it.
_ORGANISM_PATTERNS = [
    (_standalone(re.escape(phrase)), ORGANISM_WORDS[phrase])
    for phrase in sorted(ORGANISM_WORDS, key=len, reverse=True)
]
_ASSAY_PATTERNS = [(_standalone(assay.pattern), assay) for assay in ASSAY_WORDS]


def _parse_vocabulary(parsed: ParsedQuery, text: str) -> str:
    """Organism and assay words become filters; topic-bearing assay words also stay in the text."""
    for pattern, organism in _ORGANISM_PATTERNS:
        found, text = _take(pattern, text)
        if found:
            if organism not in parsed.organisms:
                parsed.organisms.append(organism)
            parsed.notes.append(f'"{found[0].group(0)}" read as organism {organism}')
            for match in found:
                parsed.read_as(match.group(0), "organisms", organism)
    for pattern, assay in _ASSAY_PATTERNS:
        found = list(pattern.finditer(text))
        if not found:
            continue
        if not assay.keep_as_text:
            text = pattern.sub(" ", text)
        parsed.series_types.extend(t for t in assay.series_types if t not in parsed.series_types)
        parsed.notes.append(f'"{found[0].group(0)}" read as series type {" or ".join(assay.series_types)}')
        for match in found:
            parsed.read_as(match.group(0), "series_types", list(assay.series_types))
    return text


def parse_query(text: str) -> ParsedQuery:
    """Parse one query string (never raises: anything not understood stays free text)."""
    parsed = ParsedQuery(text=text)
    rest = text.replace("\u201c", '"').replace("\u201d", '"')
    for match in _PHRASE.finditer(rest):
        phrase = " ".join(match.group(2).split())
        if phrase:
            (parsed.excluded if match.group(1) else parsed.phrases).append(phrase)
    rest = _PHRASE.sub(" ", rest).replace('"', " ")
    rest = _parse_samples(parsed, rest)
    rest = _parse_examples(parsed, rest)
    words: list[str] = []
    tokens = rest.split()
    skip_next = False
    for position, token in enumerate(tokens):
        if skip_next:
            skip_next = False
            continue
        if token == "NOT" and position + 1 < len(tokens):
            parsed.excluded.append(tokens[position + 1])
            skip_next = True
        elif token.startswith("-") and len(token) > 1 and not token[1].isdigit():
            parsed.excluded.append(token[1:])
        elif ACCESSION.match(token.strip(",;")):
            accession = token.strip(",;").upper()
            parsed.accessions.append(accession)
            if accession.startswith("GSM"):
                parsed.notes.append(
                    f"{accession} is a sample; only series (GSE), their GEO DataSets (GDS) "
                    "and platforms (GPL) are looked up"
                )
        elif token not in ("AND", "OR"):
            words.append(token)
    rest = _parse_vocabulary(parsed, " ".join(words))
    parsed.free_text = " ".join(rest.split())
    return parsed


def _as_compared(text: str) -> str:
    """Text as the engine tells it apart: case matters only in acronym-shaped words ("ALL")."""
    return " ".join(word if is_acronym(word) else word.lower() for word in text.split())


@lru_cache(maxsize=4096)
def query_meaning(text: str) -> str:
    """What the engine will do with ``text``, as canonical JSON: equal only for the same search.

    Built from the parse, not the raw text, so two spellings share it only when the parser
    reads them alike: "liver NOT mouse" (an exclusion) and "liver not mouse" (free text and a
    mouse filter) differ, as do fullwidth quotes or minus signs the parser takes literally.
    Case is folded where the engine ignores it (ranked words, exclusions) and kept in
    acronym-shaped words, which the concept vocabulary reads by their capitals.
    """
    parsed = parse_query(text)
    meaning = {
        "free_text": _as_compared(parsed.free_text),
        "phrases": [_as_compared(phrase) for phrase in parsed.phrases],
        "excluded": [word.lower() for word in parsed.excluded],
        "accessions": parsed.accessions,
        "similar_to": parsed.similar_to,
        "organisms": parsed.organisms,
        "series_types": parsed.series_types,
        "min_samples": parsed.min_samples,
        "max_samples": parsed.max_samples,
    }
    return json.dumps(meaning, sort_keys=True, separators=(",", ":"))
