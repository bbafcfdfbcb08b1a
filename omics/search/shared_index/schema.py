"""The shared index's schema and its text analyser.

Series and samples are documents of one tantivy index. A series document carries the ranked
text fields (title, summary, overall design, and its samples' text), its accession (stored:
the one stored value a search reads back besides the page's records), and fast fields for
everything a filter, a facet or a re-rank reads: organisms, series types, platforms, sample
count, submission date, the title's stem count and the document id of the record in the
corpus store. A sample document carries its accession, title, characteristics and the
accession and document id of its series. Every document carries its *generation*: documents of
an ingestion that is staged but not published are hidden by it (:mod:`.manifest`).

Text is analysed exactly as the bm25s engine tokenises (omics.search.index.tokenize): words of
two or more word characters, lower-cased, bm25s's English stop words dropped, the engine's
stems. The stems come from the engine itself (documents and queries pass through
omics.search.index.stemmed_text), not from tantivy's stemmer, which knows none of the engine's
exceptions ("hepatitis" is "hepatiti" there, "hepat" in Snowball). So a stem the engine
computes for a query is a term of this index, and ranking rules written in stems (coverage,
concepts, profiles) carry over unchanged.
"""

from __future__ import annotations

import tantivy
from bm25s.stopwords import STOPWORDS_EN

from omics.search.shared_index.exact import NEAR_SHORT, SHORT_WORDS, WORDS_TOKENIZER

ANALYSER = "omics_en"
SERIES_TEXT: tuple[str, ...] = ("title", "summary", "overall_design", "sample_text")
SAMPLE_TEXT: tuple[str, ...] = ("sample_title", "characteristics")
KEYWORDS: tuple[str, ...] = ("organisms", "series_types", "platforms")  # exact values, facets
KIND_SERIES, KIND_SAMPLE = "series", "sample"


def analyser() -> tantivy.TextAnalyzer:
    """The engine's tokenisation of text already stemmed by ``stemmed_text``: stop words dropped."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"\w\w+"))
        .filter(tantivy.Filter.custom_stopword(list(STOPWORDS_EN)))
        .build()
    )


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("kind", tokenizer_name="raw")
    builder.add_text_field("accession", stored=True, tokenizer_name="raw")
    for name in SERIES_TEXT + SAMPLE_TEXT:
        builder.add_text_field(name, tokenizer_name=ANALYSER)
    builder.add_text_field(NEAR_SHORT, tokenizer_name=WORDS_TOKENIZER)  # words as written (.exact)
    builder.add_text_field(SHORT_WORDS, tokenizer_name=WORDS_TOKENIZER, index_option="basic")
    builder.add_text_field("series", stored=True, tokenizer_name="raw")  # a sample's series accession
    for name in KEYWORDS:
        builder.add_text_field(name, fast=True, tokenizer_name="raw")  # as written: facet values
        builder.add_text_field(f"{name}_key", tokenizer_name="raw")  # case-folded: filters
    builder.add_unsigned_field("doc", indexed=True, fast=True)  # the corpus store's document id
    builder.add_unsigned_field("generation", indexed=True, fast=True)
    builder.add_integer_field("sample_count", indexed=True, fast=True)  # -1: unknown
    builder.add_integer_field("submitted", indexed=True, fast=True)  # YYYYMMDD, 0: unknown
    builder.add_unsigned_field("title_stems", fast=True)  # stems in the title (known-item test)
    return builder.build()
