"""Fielded BM25 index over the corpus, persisted in the data directory, growable without a rebuild.

Scoring is bm25s (sparse precomputed BM25 matrices, PyStemmer stemming); nothing here loops
over documents in Python. Each indexed field (title, summary, overall design) has its own
bm25s model, so ranking can weight fields and tell *where* a term matched. An index persisted
with other fields (before sample text was indexed) is rebuilt once, not read.

Growth: documents live in segments. The main segment covers the corpus as first indexed;
records added later go to a small delta segment that is rebuilt from just those records on
each add (cheap) and folded into a new main segment once it exceeds a fraction of the main
one, the usual log-structured compromise between add latency and query cost. Every segment
is saved with bm25s under ``<data_dir>/index/`` beside a manifest naming the segments and the
corpus state they were built from, so a restart memory-maps them instead of rebuilding.
Beside its bm25s models a segment keeps its documents' words in order
(omics.search.positions), which is how a phrase is checked without reading text.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from omics.search.positions import WordPositions

if TYPE_CHECKING:  # highlight reads this module's stemmer
    from omics.search.highlight import PhraseTest

# ``sample_text`` is every sample's title and characteristics (Series.sample_text): a cohort's
# samples may name a condition its summary never does.
FIELDS: tuple[str, ...] = ("title", "summary", "overall_design", "sample_text")
# 2: a SuperSeries' fixed-sentence summary is indexed as its title (Series.indexed_text);
# 3: every segment keeps its documents' word positions (omics.search.positions)
FORMAT = 3
MANIFEST = "manifest.json"
POSITIONS = "positions"  # a segment's word positions, beside its fields' bm25s models
# Merge the delta into the main segment when it holds more than this share of main's documents.
MERGE_RATIO = 0.1
MERGE_MIN_DOCS = 2000
DOC_FREQ_CACHE = 1 << 17  # stems whose document frequency an index remembers (a few MB)

_SNOWBALL = Stemmer.Stemmer("english")
_STEMMER_LOCK = threading.Lock()  # PyStemmer objects are not safe to share across threads
# How words become stems; an index persisted with other stems is rebuilt, not read.
STEMMING = "snowball-english, -itis as -iti"


def _stem_all(words: list[str]) -> list[str]:
    """Snowball stems, except that an inflammation keeps its name ("-itis" -> "-iti").

    Snowball cuts "-itis" back to the organ: "hepatitis" and "hepatic" both become "hepat",
    "pancreatitis" and "pancreatic" "pancreat", "meningitis" and "meninges" "mening", so a
    search for the disease ranked every study of the organ with it. "-iti" is what Snowball
    itself leaves of "arthritis" or "nephritis", so those keep their stems.
    """
    stems: list[str] = _SNOWBALL.stemWords(words)  # PyStemmer has no type hints
    return [word[:-1] if word.endswith("itis") else stem for word, stem in zip(words, stems, strict=True)]


def tokenize(texts: Sequence[str], return_ids: bool = False) -> Any:
    """Lower-case, split, drop English stop words and stem: the one tokenisation for docs and queries.

    Returns lists of stems, or with ``return_ids`` bm25s's id-encoded tokens for indexing.
    """
    with _STEMMER_LOCK:
        return bm25s.tokenize(
            list(texts), stopwords="en", stemmer=_stem_all, return_ids=return_ids, show_progress=False
        )


_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's token pattern
_STOP_WORDS = frozenset(STOPWORDS_EN)


def stemmed_text(text: str) -> str:
    """``text`` with every word but a stop word replaced by its stem, as :func:`tokenize` stems it.

    For an index layer with its own analyser (omics.search.shared_index): fed this, it needs
    no stemmer of its own, so its terms are this module's stems, exceptions included, and stop
    words still leave their gaps in phrase positions.
    """
    words = _WORD.findall(text.lower())
    return " ".join(
        word if word in _STOP_WORDS else stem for word, stem in zip(words, stem_words(words), strict=True)
    )


def stem_words(words: Sequence[str]) -> list[str]:
    """Stem already-split words (used to match query words against snippets)."""
    with _STEMMER_LOCK:
        return _stem_all([w.lower() for w in words])


@dataclass
class Segment:
    """A contiguous run of documents [start, start + count) with one bm25s model per field,
    and the documents' words in order (for phrase checks)."""

    name: str
    start: int
    count: int
    models: dict[str, bm25s.BM25]
    positions: WordPositions

    @classmethod
    def build(cls, name: str, start: int, texts: dict[str, list[str]]) -> Segment:
        count = len(texts[FIELDS[0]])
        models = {}
        for field_name in FIELDS:
            tokens = tokenize([t or "" for t in texts[field_name]], return_ids=True)
            if not tokens.vocab:
                continue  # bm25s cannot index a field no document uses (e.g. a delta with no designs)
            model = bm25s.BM25()
            model.index(tokens, show_progress=False)
            models[field_name] = model
        return cls(name, start, count, models, WordPositions.build([texts[f] for f in FIELDS]))

    def save(self, root: Path) -> None:
        for field_name, model in self.models.items():
            model.save(str(root / self.name / field_name), show_progress=False)
        self.positions.save(root / self.name / POSITIONS)

    @classmethod
    def load(cls, root: Path, name: str, start: int, count: int) -> Segment:
        models = {
            field_name: bm25s.BM25.load(str(root / name / field_name), mmap=True, show_progress=False)
            for field_name in FIELDS
            if (root / name / field_name).is_dir()
        }
        return cls(name, start, count, models, WordPositions.load(root / name / POSITIONS))

    def doc_freq(self, stem: str, field_name: str) -> int:
        """How many of this segment's documents contain the stem in the field."""
        model = self.models.get(field_name)
        if model is None:
            return 0
        token = model.vocab_dict.get(stem)
        if token is None:
            return 0
        indptr = model.scores["indptr"]
        return int(indptr[token + 1] - indptr[token])

    def add_term_scores(self, stem: str, field_name: str, out: np.ndarray, global_idf: float) -> None:
        """Add this field's BM25 scores of one stem into ``out`` (global doc ids), with the corpus-wide IDF.

        bm25s scores are idf x tf-part with the segment's own idf; rescaling by the ratio makes
        a small delta segment score like the main one instead of by its own tiny statistics.
        The stem's precomputed scores are read straight from bm25s's sparse (CSC) score matrix,
        one column slice, so the cost follows the stem's document frequency, not the corpus size.
        """
        local_df = self.doc_freq(stem, field_name)
        if not local_df:
            return
        model = self.models[field_name]
        token = model.vocab_dict[stem]
        first, last = model.scores["indptr"][token], model.scores["indptr"][token + 1]
        docs = model.scores["indices"][first:last]  # distinct within a column
        ratio = global_idf / lucene_idf(self.count, local_df)
        out[self.start + docs] += ratio * model.scores["data"][first:last]


def lucene_idf(docs: int, df: int) -> float:
    """bm25s's default ('lucene') IDF."""
    return math.log(1 + (docs - df + 0.5) / (df + 0.5))


class SegmentedIndex:
    """The main segment plus an optional delta; immutable once built (add returns a new index)."""

    def __init__(self, root: Path, segments: list[Segment], fingerprint: str) -> None:
        self.root = root
        self.segments = segments
        self.fingerprint = fingerprint
        # Profiles (query by example, feedback) ask for the document frequency of hundreds of
        # stems a search; the index never changes, so each answer is kept (bounded).
        self.doc_freq = functools.lru_cache(maxsize=DOC_FREQ_CACHE)(self._doc_freq)

    def stem_counts(self) -> dict[str, int]:
        """Every indexed stem with the documents holding it in its largest field (as :meth:`doc_freq`).

        Read from the score matrices' column pointers in one pass per field: what spelling
        correction (omics.search.spelling) uses as the corpus's dictionary.
        """
        counts: dict[str, int] = {}
        for field_name in FIELDS:
            field_counts: dict[str, int] = {}
            for segment in self.segments:
                model = segment.models.get(field_name)
                if model is None:
                    continue
                per_token = np.diff(model.scores["indptr"]).tolist()
                for stem, token in model.vocab_dict.items():
                    if token < len(per_token):  # bm25s also maps a padding token past the matrix
                        field_counts[stem] = field_counts.get(stem, 0) + per_token[token]
            for stem, count in field_counts.items():
                counts[stem] = max(counts.get(stem, 0), count)
        return counts

    def _doc_freq(self, stem: str) -> int:
        """Documents containing ``stem`` in their largest field count (a lower bound on any field).

        Read from the bm25s score matrix (one column slice per term), so it costs no scoring.
        """
        return max(
            sum(segment.doc_freq(stem, field_name) for segment in self.segments) for field_name in FIELDS
        )

    def add_field_scores(self, stem: str, field_name: str, out: np.ndarray, weight: float = 1.0) -> None:
        """Add ``weight`` x one stem's BM25 scores in one field into ``out``, touching only its documents."""
        df = sum(segment.doc_freq(stem, field_name) for segment in self.segments)
        if df:
            idf = lucene_idf(sum(segment.count for segment in self.segments), df)
            for segment in self.segments:
                segment.add_term_scores(stem, field_name, out, weight * idf)

    def holding(self, test: PhraseTest, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``docs`` hold the phrase, and which answers are unsure
        (:meth:`omics.search.positions.WordPositions.holding`), by each document's segment."""
        found = np.zeros(len(docs), dtype=bool)
        unsure = np.zeros(len(docs), dtype=bool)
        for segment in self.segments:
            inside = (docs >= segment.start) & (docs < segment.start + segment.count)
            if inside.any():
                found[inside], unsure[inside] = segment.positions.holding(test, docs[inside] - segment.start)
        return found, unsure

    @classmethod
    def build(cls, root: Path, texts: dict[str, list[str]], fingerprint: str) -> SegmentedIndex:
        """Index every document as one main segment and persist it (replacing what was there)."""
        main = Segment.build(f"main-{uuid.uuid4().hex[:8]}", 0, texts)
        index = cls(root, [main], fingerprint)
        index._persist()
        return index

    @staticmethod
    def persisted_fingerprint(root: Path) -> str | None:
        """The corpus fingerprint the index persisted under ``root`` was built from, if any."""
        try:
            manifest = json.loads((root / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        if (
            manifest.get("format") != FORMAT
            or manifest.get("fields") != list(FIELDS)
            or manifest.get("stemming") != STEMMING
        ):
            return None
        return str(manifest["fingerprint"])

    @classmethod
    def load(cls, root: Path, fingerprint: str) -> SegmentedIndex | None:
        """The persisted index if it was built from the corpus state ``fingerprint``, else None."""
        if cls.persisted_fingerprint(root) != fingerprint:
            return None
        try:  # read again: another process may have switched the manifest in between
            manifest = json.loads((root / MANIFEST).read_text())
            segments = [Segment.load(root, s["name"], s["start"], s["count"]) for s in manifest["segments"]]
        except (OSError, ValueError, KeyError):
            return None
        return cls(root, segments, fingerprint)

    def with_added(
        self, texts_from: Callable[[int], dict[str, list[str]]], total: int, fingerprint: str
    ) -> SegmentedIndex:
        """A new index covering documents [0, total); ``texts_from(start)`` gives texts of [start, total).

        The delta segment (a trailing ``delta-`` segment) is rebuilt from every document past the
        segments before it; once it holds more than MERGE_RATIO of their documents, everything is
        re-indexed as one main segment, so the delta (and the cost of an add) stays small.
        """
        kept = (
            self.segments[:-1]
            if len(self.segments) > 1 and self.segments[-1].name.startswith("delta-")
            else self.segments
        )
        delta_start = kept[-1].start + kept[-1].count
        if total - delta_start > max(MERGE_MIN_DOCS, MERGE_RATIO * delta_start):
            return SegmentedIndex.build(self.root, texts_from(0), fingerprint)
        delta = Segment.build(f"delta-{uuid.uuid4().hex[:8]}", delta_start, texts_from(delta_start))
        index = SegmentedIndex(self.root, [*kept, delta], fingerprint)
        index._persist()
        return index

    def with_segments(self, segments: list[Segment], fingerprint: str) -> SegmentedIndex:
        """This index plus ``segments`` (already saved under the root), made current by the manifest."""
        index = SegmentedIndex(self.root, [*self.segments, *segments], fingerprint)
        index._persist()
        return index

    @staticmethod
    def manifest_text(root: Path) -> str | None:
        """The manifest as stored (what :meth:`restore_manifest` puts back)."""
        try:
            return (root / MANIFEST).read_text()
        except OSError:
            return None

    @staticmethod
    def restore_manifest(root: Path, text: str | None) -> None:
        """Put back a manifest read by :meth:`manifest_text` and drop segments it does not name."""
        if text is None:
            (root / MANIFEST).unlink(missing_ok=True)
            return
        segments = json.loads(text)["segments"]
        write_atomically(root / MANIFEST, text)
        _drop_unnamed(root, {s["name"] for s in segments})

    def _persist(self) -> None:
        """Save new segments, switch the manifest atomically, then drop segments no longer named."""
        self.root.mkdir(parents=True, exist_ok=True)
        for segment in self.segments:
            if not (self.root / segment.name).exists():
                segment.save(self.root)
        manifest = {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "fields": list(FIELDS),
            "stemming": STEMMING,
            "segments": [{"name": s.name, "start": s.start, "count": s.count} for s in self.segments],
        }
        write_atomically(self.root / MANIFEST, json.dumps(manifest))
        _drop_unnamed(self.root, {s.name for s in self.segments})


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename: readers see the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _drop_unnamed(root: Path, keep: set[str]) -> None:
    for child in root.iterdir():
        if child.is_dir() and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)
