"""Corpus records as shared-index documents: one per series, one per sample it lists."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import tantivy

from omics.search.facets import day_number
from omics.search.index import stemmed_text
from omics.search.series import Series
from omics.search.shared_index.exact import NEAR_SHORT, SHORT_WORDS, near_short, short_words
from omics.search.shared_index.schema import KEYWORDS, KIND_SAMPLE, KIND_SERIES, SERIES_TEXT, analyser

_ANALYSER = analyser()


def series_document(record: Series, doc: int, generation: int) -> tantivy.Document:
    """The series as indexed: ranked text, exact values, and the fast fields searches read."""
    out = tantivy.Document()
    out.add_text("kind", KIND_SERIES)
    out.add_text("accession", record.accession)
    texts = [record.indexed_text(name) for name in SERIES_TEXT]
    for name, text in zip(SERIES_TEXT, texts, strict=True):  # as the bm25s engine indexes and stems them
        out.add_text(name, stemmed_text(text))
    out.add_text(NEAR_SHORT, near_short(texts))
    out.add_text(SHORT_WORDS, short_words(texts))
    for name in KEYWORDS:
        for value in getattr(record, name):
            out.add_text(name, value)
            out.add_text(f"{name}_key", value.casefold())
    out.add_unsigned("doc", doc)
    out.add_unsigned("generation", generation)
    out.add_integer("sample_count", record.sample_count if record.sample_count is not None else -1)
    out.add_integer("submitted", day_number(record.submission_date))
    out.add_unsigned("title_stems", len(set(_ANALYSER.analyze(stemmed_text(record.title)))))
    return out


def sample_documents(record: Series, doc: int, generation: int) -> Iterator[tantivy.Document]:
    """The series' samples as their own documents, linked to it by accession and document id.

    GEO's esummary gives a sample's accession and title; the SOFT loader also its
    characteristics, indexed as written ("disease state: glioblastoma").
    """
    for sample in record.samples:
        out = tantivy.Document()
        out.add_text("kind", KIND_SAMPLE)
        out.add_text("accession", sample.accession)
        out.add_text("sample_title", stemmed_text(sample.title.replace("_", " ")))
        out.add_text("characteristics", stemmed_text("\n".join(sample.characteristics)))
        out.add_text("series", record.accession)
        out.add_unsigned("doc", doc)
        out.add_unsigned("generation", generation)
        yield out


def documents(numbered: Iterable[tuple[int, Series]], generation: int) -> Iterator[tantivy.Document]:
    """Every document of the ``(document id, record)`` pairs."""
    for doc, record in numbered:
        yield series_document(record, doc, generation)
        yield from sample_documents(record, doc, generation)
