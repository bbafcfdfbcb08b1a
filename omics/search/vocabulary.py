"""Biomedical query expansion from ontologies shipped offline in ``cellxgene-ontology-guide``.

Researchers and submitters name the same thing differently ("Parkinson's disease" and
"paralysis agitans", "hepatoma" and "hepatocellular carcinoma", "T cell" and "T lymphocyte"),
so a series that only uses the other name is invisible to plain keyword search. This module
recognises ontology concepts in free text (MONDO diseases, UBERON anatomy, CL cell types, EFO
cell lines) and proposes the concept's other names as weighted extra phrases for the engine.

Why it looks the way it does:

* Matching is on normalised phrases: case, possessives ("Alzheimer's"), plurals ("tumours"),
  hyphens ("T-cell") and bracketed qualifiers ("melanoma (disease)") do not matter.
* Short acronyms (SLE, HCC) are ambiguous (PD is Parkinson disease and a neuron type), so they
  are recognised in a query only when typed in capitals, weigh less as expansions, and the
  shortest (two letters) and English words ("ALL") are never emitted as expansions.
* A specific disease (one with few subtypes) widens to its subtypes at a lower weight; a broad
  disease category ("arrhythmia", "cancer") only to its direct children (atrial fibrillation,
  carcinoma), because hundreds of subtypes would drown the query; other categories ("T cell",
  "brain") not at all.
* A name shared by several concepts means the one it labels ("blood" is anatomy, although
  MONDO also lists it under leukemia); a longer name that contains a kept one finds nothing new.
* The lexicon is derived once from the package (in a child process) and cached as compressed
  JSON in the data directory, then held per process, so a search only does dictionary look-ups.

Ontology data: MONDO (CC BY 4.0), UBERON (CC BY 3.0), Cell Ontology (CC BY 4.0), EFO
(Apache-2.0), as packaged by cellxgene-ontology-guide (MIT).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, TypedDict

ONTOLOGIES: tuple[str, ...] = ("MONDO", "UBERON", "CL", "EFO")
# MONDO "disease characteristic" ("common", "localized") and "disease susceptibility" qualify
# diseases rather than name them. From EFO only cell lines are taken: its other branches are
# study-design words ("control", "block", "diet") whose synonyms would rewrite ordinary prose.
EXCLUDED_BRANCHES = frozenset({"MONDO:0021125", "MONDO:0042489"})
EFO_KEPT_CLASS = "cell line"
MIN_WORD_NAME = 5  # one-word names shorter than this ("dish", "In") count only as capitalised acronyms
LEXICON_FORMAT = 5

SYNONYM_WEIGHT = 0.7  # another exact name of the same concept: nearly as good as the query's own words
ACRONYM_WEIGHT = 0.3  # an acronym in a record is often something else
SUBTYPE_WEIGHT = 0.35  # a subtype is relevant to, but narrower than, what was asked
ACRONYM_QUERY_FACTOR = 0.5  # the query itself was an acronym: the concept is a guess
MAX_SUBTYPES = 30  # a concept with more descendants is a category: it widens to its kinds only
DISEASE_PREFIX = "MONDO:"
MAX_KEY_TOKENS = 8
RELATION_ORDER = ("synonym", "acronym", "subtype")  # what survives the cap: other names before subtypes
MAX_EXPANSIONS = 12  # each name costs a phrase check at scale; 8, 12 and 24 measure alike in quality
MIN_ACRONYM_EMIT = 3
NORMALISED_KEPT = 65_536  # names whose matching key is remembered (a few MB; a query brings about fifty)

_TOKEN = re.compile(r"[A-Za-z0-9]+")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_POSSESSIVE = re.compile(r"(\w)['\u2019]s\b")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,4}$")
_INVERTIBLE_TAIL = re.compile(r"^[A-Za-z][A-Za-z -]*$")
_ANNOTATION = re.compile(r"susceptibility|\bsomatic\b|with or without")  # OMIM-style entries, not names
ARTICLES = frozenset({"the", "a", "an"})
ENGLISH_STOPWORDS = frozenset(
    {
        "a",
        "all",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "which",
        "will",
        "with",
    }
)


class Lexicon(TypedDict):
    """The compact lexicon, as cached in JSON: names per term, keys to terms, children per term."""

    format: int
    source: str
    terms: dict[str, list[Any]]  # term id -> [label, [names...]]: a pair, stored as a JSON list
    keys: dict[str, list[str]]  # matching key ("A:" marks an acronym) -> term ids
    children: dict[str, list[str]]
    roots: list[str]


@dataclass(frozen=True)
class Expansion:
    """One extra phrase for the engine: search ``phrase`` with ``weight`` (< 1) on behalf of ``term_id``."""

    phrase: str
    weight: float
    term_id: str
    label: str
    relation: str  # "synonym", "acronym" or "subtype"
    matched: str  # the words of the query this came from

    def to_dict(self) -> dict[str, Any]:
        """The fields by name (``dataclasses.asdict`` without its deep copies: every field is a
        string or a number; a search shows a dozen of these)."""
        return {name: getattr(self, name) for name in _EXPANSION_FIELDS}


_EXPANSION_FIELDS = tuple(f.name for f in fields(Expansion))


@dataclass(frozen=True)
class Concept:
    """An ontology concept recognised in text, with where it was found."""

    term_id: str
    label: str
    matched: str
    start: int  # character offsets in the text
    end: int
    via_acronym: bool


def singular(token: str) -> str:
    """Reduce a lower-case plural to its singular ("tumours" -> "tumour", "therapies" -> "therapy")."""
    if len(token) <= 3 or not token.isalpha():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("sses", "xes", "ches", "shes")):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is", "ys")):
        return token[:-1]
    return token


def clean_name(name: str) -> str:
    """Drop bracketed qualifiers and possessives: "Alzheimer's disease (disorder)" -> "Alzheimer disease"."""
    name = _BRACKETED.sub(" ", name)
    name = _POSSESSIVE.sub(r"\1", name)
    return " ".join(name.replace("\u2019", "'").replace("'", "").split())


@lru_cache(maxsize=NORMALISED_KEPT)
def normalise(name: str) -> str:
    """The matching key of a name: cleaned, lower-cased, singular tokens joined by spaces.

    Remembered: a query's concepts bring their other names, each normalised again by every
    search naming the concept (about fifty a search, a third of expanding a query)."""
    return " ".join(_key_words(t for t in _TOKEN.findall(clean_name(name))))


def _key_words(words: Iterable[str]) -> list[str]:
    """Lower-cased singular words without articles ("the liver cells" ~ "liver cell")."""
    return [singular(w) for w in (w.lower() for w in words) if w not in ARTICLES]


def is_acronym(name: str) -> bool:
    """True for abbreviations: "SLE", "HCC", "PD", and mixed-case ones like "chILD" or "HepG2"
    (one word, at least half its letters capitals), which collide with words when lower-cased."""
    name = name.strip()
    if _ACRONYM.match(name):
        return True
    letters = [c for c in name if c.isalpha()]
    capitals = sum(c.isupper() for c in letters)
    return name.isalnum() and len(name) <= 8 and capitals >= 2 and 2 * capitals >= len(letters)


def abbreviates(short: str, before: str) -> bool:
    """Does the acronym ``short`` abbreviate the last words of ``before``?

    Its letters and digits are found in those words right to left, in order, the first at the
    start of a word, over at most min(letters + 5, 2 * letters) words (Schwartz and Hearst,
    "A simple algorithm for identifying abbreviation definitions in biomedical text", 2003).
    """
    short = short.strip()
    if not is_acronym(short):
        return False
    letters = [c for c in short.lower() if c.isalnum()]
    words = _TOKEN.findall(before)
    long = " ".join(words[-min(len(letters) + 5, 2 * len(letters)) :]).lower()
    at = len(long) - 1
    for k in range(len(letters) - 1, -1, -1):
        while at >= 0 and (long[at] != letters[k] or (k == 0 and at > 0 and long[at - 1].isalnum())):
            at -= 1
        if at < 0:
            return False
        at -= 1
    return True


def is_short(name: str) -> bool:
    """One short word ("PD", "era", "park10"): ambiguous in prose whatever its case."""
    return len(name) <= 6 and len(_TOKEN.findall(name)) == 1


def typed_by_user(name: str, matched: str) -> bool:
    """Is the one-word ``name`` one of the words the user typed for its concept (``matched``)?

    A short name is dropped as ambiguous in prose ("PD", "autism" could be a passing word),
    but not when the user typed it: MONDO's "autism", a kind of autism spectrum disorder, names
    what "Autism spectrum disorder" asks for, and a record titled "Autism-like phenotype ..."
    covers the concept (it is made of the user's words, so it is not searched again).
    """
    return normalise(name) in normalise(matched).split()


def _usable_names(label: str, synonyms: Iterable[str]) -> Iterator[str]:
    """Yield display names of a term, skipping annotated or enumerated synonyms that never occur in prose.

    A single comma usually marks a MeSH-style inversion ("Carcinoma, Hepatocellular"), which is
    turned back into word order; more commas, numbered types and "susceptibility to" are database
    entries, not names people write.
    """
    for raw in (label, *synonyms):
        name = clean_name(raw)
        lowered = name.lower()
        if not name or lowered.startswith("obsolete") or ":" in name or _ANNOTATION.search(lowered):
            continue
        if "," in name:
            head, _, tail = name.partition(",")
            tail = tail.strip()
            if "," in tail or not _INVERTIBLE_TAIL.match(tail) or len(tail.split()) > 2:
                continue
            if len(head.split()) > 3:
                continue
            name = f"{tail} {head.strip()}"
        if is_acronym(name):
            yield name
        elif len(name) >= MIN_WORD_NAME or len(_TOKEN.findall(name)) > 1:
            yield name.lower() if name.isupper() else name


def _read_ontology_terms() -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (term id, metadata) for every live term of the shipped ontologies we expand with."""
    from cellxgene_ontology_guide.ontology_parser import OntologyParser
    from cellxgene_ontology_guide.supported_versions import clear_ontology_file_cache

    schema = OntologyParser().cxg_schema
    try:
        for name in ONTOLOGIES:
            terms = schema.ontology(name)
            kept = _efo_cell_line_classes(terms) if name == "EFO" else None
            for term_id, meta in terms.items():
                ancestors = meta.get("ancestors", {})
                if meta.get("deprecated") or not term_id.startswith(f"{name}:"):
                    continue
                if EXCLUDED_BRANCHES.intersection(ancestors) or term_id in EXCLUDED_BRANCHES:
                    continue
                if kept is not None and term_id not in kept and not kept.intersection(ancestors):
                    continue
                yield term_id, meta
    finally:
        clear_ontology_file_cache()  # the package keeps every parsed release otherwise (~100 MB)


def _efo_cell_line_classes(terms: dict[str, dict[str, Any]]) -> set[str]:
    """EFO classes named "... cell line": the only EFO branch used (cell-line names and synonyms)."""
    return {t for t, meta in terms.items() if meta.get("label", "").lower().endswith(EFO_KEPT_CLASS)}


def build_lexicon() -> Lexicon:
    """Derive the compact lexicon from the package: names per term, keys to terms, children per term."""
    terms: dict[str, list[Any]] = {}
    keys: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    roots: list[str] = []
    for term_id, meta in _read_ontology_terms():
        names = list(dict.fromkeys(_usable_names(meta["label"], meta.get("synonyms") or ())))
        if not names:
            continue
        terms[term_id] = [clean_name(meta["label"]), names]
        for name in names:
            key = normalise(name)
            if not key:
                continue
            marked = ("A:" if is_acronym(name) else "") + key
            ids = keys.setdefault(marked, [])
            if term_id not in ids:
                ids.append(term_id)
        for parent, distance in meta.get("ancestors", {}).items():
            if distance == 1:
                children.setdefault(parent, []).append(term_id)
        if not meta.get("ancestors"):
            roots.append(term_id)
    return {
        "format": LEXICON_FORMAT,
        "source": _source_version(),
        "terms": terms,
        "keys": keys,
        "children": children,
        "roots": roots,
    }


def _source_version() -> str:
    return metadata.version("cellxgene-ontology-guide")


def lexicon_path(cache_dir: Path) -> Path:
    """Where the lexicon of the installed ontology release is cached in ``cache_dir``."""
    return cache_dir / f"vocabulary-{_source_version()}-v{LEXICON_FORMAT}.json.gz"


class Vocabulary:
    """Recognises ontology concepts in text and proposes weighted alternative phrases for them."""

    def __init__(self, lexicon: Lexicon, relations: tuple[str, ...] = RELATION_ORDER) -> None:
        self._lexicon = lexicon
        self._relations = relations
        self._terms: dict[str, list[Any]] = lexicon["terms"]
        self._keys: dict[str, list[str]] = lexicon["keys"]
        self._children: dict[str, list[str]] = lexicon["children"]
        self._roots = frozenset(lexicon["roots"])  # "disease", "cell": too general to expand

    @classmethod
    def load(cls, cache_dir: Path | None = None) -> Vocabulary:
        """Read the cached lexicon from ``cache_dir``, deriving and writing it there on first use.

        The derivation parses whole ontology releases (about 100 MB of Python objects that the
        allocator does not hand back), so it runs in a child process and a serving process only
        ever holds the compact lexicon.
        """
        if cache_dir is None:
            return cls(build_lexicon())
        path = lexicon_path(cache_dir)
        if not path.exists():
            subprocess.run(
                [sys.executable, "-m", "omics.search.vocabulary", str(cache_dir)],
                check=True,
                cwd=Path(__file__).resolve().parents[2],
            )
        return cls(json.loads(gzip.decompress(path.read_bytes())))

    def with_relations(self, *relations: str) -> Vocabulary:
        """The same lexicon expanding only with ``relations`` (for measuring what each one adds)."""
        return Vocabulary(self._lexicon, tuple(r for r in RELATION_ORDER if r in relations))

    def concepts(self, text: str) -> list[Concept]:
        """Find concepts in ``text`` by longest match, left to right, over normalised word spans.

        Acronym names count only where the text writes them in capitals, so "all samples" is not
        acute lymphoblastic leukaemia but "ALL blasts" is.
        """
        words = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(_POSSESSIVE.sub(r"\1  ", text))]
        found: list[Concept] = []
        i = 0
        while i < len(words):
            match = self._longest_match(words, i)
            if match is None:
                i += 1
                continue
            length, ids, via_acronym = match
            start, end = words[i][1], words[i + length - 1][2]
            found.extend(
                Concept(term_id, self._terms[term_id][0], text[start:end], start, end, via_acronym)
                for term_id in ids
            )
            i += length
        return found

    def specific_concepts(self, text: str) -> list[Concept]:
        """Concepts in ``text`` other than ontology roots ("disease", "cell"), which say nothing."""
        return [c for c in self.concepts(text) if c.term_id not in self._roots]

    def _longest_match(self, words: list[tuple[str, int, int]], i: int) -> tuple[int, list[str], bool] | None:
        for length in range(min(MAX_KEY_TOKENS, len(words) - i), 0, -1):
            span = words[i : i + length]
            key = " ".join(_key_words(w for w, _, _ in span))
            too_common = " " not in key and (len(key) < 3 or key in ENGLISH_STOPWORDS)  # "in the" -> "in"
            found = None if too_common else self._lookup(key, span[-1][0])
            if found:
                return length, self._preferring_labels(*found), False
            if length == 1 and is_acronym(span[0][0]):
                ids = self._keys.get("A:" + span[0][0].lower())
                if ids:
                    return 1, ids, True
        return None

    def _lookup(self, key: str, last_word: str) -> tuple[str, list[str]] | None:
        """The concepts named ``key``, or by the name a researcher's shorthand stands for.

        "bladder cancer" is MONDO's "bladder carcinoma" (cancer is the lay word for it), and
        "Parkinsons" is typed for "Parkinson's disease" (an eponym's possessive without the
        apostrophe): each is tried only when the key itself names nothing.
        """
        candidates = [key]
        if key.endswith(" cancer"):
            candidates.append(key[: -len("cancer")] + "carcinoma")
        if " " not in key and last_word.lower().endswith("s") and not last_word.lower().endswith("ss"):
            candidates.append(f"{key} disease")
        for candidate in candidates:
            ids = self._keys.get(candidate)
            if ids:
                return candidate, ids
        return None

    def _preferring_labels(self, key: str, ids: list[str]) -> list[str]:
        """Of several concepts sharing a name, those whose own label it is ("blood" is anatomy,
        although MONDO also lists it as a synonym of leukemia); all of them when none is."""
        if len(ids) == 1:
            return ids
        labelled = [t for t in ids if normalise(self._terms[t][0]) == key]
        return labelled or ids

    def expand(self, text: str) -> list[Expansion]:
        """Weighted alternative phrases for every concept in ``text`` (the text's own wording excluded).

        Weights: other exact names ``SYNONYM_WEIGHT``, acronyms ``ACRONYM_WEIGHT``, subtypes of a
        specific concept ``SUBTYPE_WEIGHT``; all halved when the concept was only guessed from an
        acronym, and split between the candidates when an acronym is ambiguous.
        """
        concepts = _without_restated_acronyms(text, self.specific_concepts(text))
        seen = {normalise(text)} | {normalise(c.matched) for c in concepts}
        candidates: dict[str, int] = {}
        for c in concepts:
            candidates[c.matched] = candidates.get(c.matched, 0) + 1
        best: dict[str, Expansion] = {}
        for concept in concepts:
            factor = ACRONYM_QUERY_FACTOR / candidates[concept.matched] if concept.via_acronym else 1.0
            for expansion in self._alternatives(concept, factor):
                key = normalise(expansion.phrase)
                if any(f" {s} " in f" {key} " for s in seen if s):
                    continue  # already matched by the query's own words
                current = best.get(key)
                if current is None or expansion.weight > current.weight:
                    best[key] = expansion
        wanted = [(key, e) for key, e in best.items() if e.relation in self._relations]
        # other names shortest first (the broadest match); subtypes stay nearest first
        wanted.sort(
            key=lambda p: (
                RELATION_ORDER.index(p[1].relation),
                -p[1].weight,
                len(p[0]) if p[1].relation == "synonym" else 0,
            )
        )
        return _without_longer_forms(wanted)[:MAX_EXPANSIONS]

    def _alternatives(self, concept: Concept, factor: float) -> Iterator[Expansion]:
        for name in self._terms[concept.term_id][1]:
            yield from self._as_expansion(name, concept, concept.term_id, "synonym", SYNONYM_WEIGHT, factor)
        for term_id in self.subtypes(concept.term_id):
            for name in self._terms[term_id][1]:
                yield from self._as_expansion(name, concept, term_id, "subtype", SUBTYPE_WEIGHT, factor)

    def _as_expansion(
        self, name: str, concept: Concept, term_id: str, relation: str, weight: float, factor: float
    ) -> Iterator[Expansion]:
        if is_short(name) and not typed_by_user(name, concept.matched):
            usable = is_acronym(name) and name.isalpha() and len(name) >= MIN_ACRONYM_EMIT
            if relation == "subtype" or not usable or name.lower() in ENGLISH_STOPWORDS:
                return
            relation, weight = "acronym", min(weight, ACRONYM_WEIGHT)
        yield Expansion(
            name, round(weight * factor, 4), term_id, self._terms[term_id][0], relation, concept.matched
        )

    def subtypes(self, term_id: str) -> list[str]:
        """Descendants of a specific concept, nearest first; a broad category's kinds (:meth:`kinds`)."""
        found: list[str] = []
        queue = deque(self._children.get(term_id, ()))
        seen = {term_id}
        while queue:
            child = queue.popleft()
            if child in seen or child not in self._terms:
                continue
            seen.add(child)
            found.append(child)
            if len(found) > MAX_SUBTYPES:
                return self.kinds(term_id)
            queue.extend(self._children.get(child, ()))
        return found

    def kinds(self, term_id: str) -> list[str]:
        """The direct children of a disease category: the kinds a researcher asking for it means.

        "Arrhythmia" is studied as atrial fibrillation and ventricular tachycardia, named so and
        never "arrhythmia"; all of a category's hundreds of descendants would drown the query, its
        few children do not. Only diseases (MONDO) widen so: an organ's children in UBERON are its
        parts ("hindbrain" of "brain"), not kinds of it.
        """
        if not term_id.startswith(DISEASE_PREFIX):
            return []
        return [child for child in self._children.get(term_id, ()) if child in self._terms]


_OPENS_BRACKET = re.compile(r"[(\[]\s*$")


def _without_restated_acronyms(text: str, concepts: list[Concept]) -> list[Concept]:
    """Drop acronym guesses that only restate the name before them in brackets.

    In "Autism spectrum disorder (ASD)" the bracket says what "ASD" means here; its other
    meanings (atrial septal defect) are not what the user asked for. An acronym that does not
    abbreviate the name ("lung cancer (NSCLC)") is a qualifier, one more thing asked for.
    """
    named = [c for c in concepts if not c.via_acronym]
    return [
        c
        for c in concepts
        if not c.via_acronym
        or not _OPENS_BRACKET.search(text[: c.start])
        or not any(not text[n.end : c.start].strip(" ([") for n in named)
        or not abbreviates(c.matched, text[: c.start])
    ]


def _without_longer_forms(ordered: list[tuple[str, Expansion]]) -> list[Expansion]:
    """Drop names that contain an earlier kept name of at least their weight ("carcinoma of liver
    cells" after "carcinoma of liver"): every record holding the longer one holds the shorter one,
    which already credits it as much, so the longer one would find nothing new."""
    kept: list[tuple[str, Expansion]] = []
    for key, expansion in ordered:
        if not any(
            f" {shorter} " in f" {key} " and earlier.weight >= expansion.weight for shorter, earlier in kept
        ):
            kept.append((key, expansion))
    return [expansion for _, expansion in kept]


def write_lexicon(cache_dir: Path) -> Path:
    """Derive the lexicon and store it atomically in ``cache_dir``.

    ``python -m omics.search.vocabulary DIR`` does it ahead of time.
    """
    path = lexicon_path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # concurrent builders never collide
    packed = json.dumps(build_lexicon(), separators=(",", ":")).encode()
    partial.write_bytes(gzip.compress(packed, compresslevel=5))
    partial.replace(path)
    return path


_loaded: dict[Path | None, Vocabulary] = {}
_lock = threading.Lock()


def vocabulary(cache_dir: Path | None = None) -> Vocabulary:
    """The process-wide vocabulary for ``cache_dir``, loaded on first use."""
    with _lock:
        if cache_dir not in _loaded:
            _loaded[cache_dir] = Vocabulary.load(cache_dir)
        return _loaded[cache_dir]


if __name__ == "__main__":
    write_lexicon(Path(sys.argv[1]))
