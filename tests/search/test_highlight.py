"""Highlights and "why it matched" reasons (omics.search.highlight) on records built in the test."""

from __future__ import annotations

import re

import pytest

from omics.search.highlight import (
    SNIPPET_CHARS,
    PhraseTest,
    QueryTerms,
    WordMatcher,
    highlights,
    mark,
    other_names_found,
    reasons,
    sample_reasons,
    snippet,
    words_of,
)
from omics.search.series import Sample, Series

LUNG = Series(
    accession="GSE1",
    title="Lung cancer cohort",
    summary="We profiled single-cell lung tumours.",
    overall_design="Cancer biopsies from 12 donors",
)


def test_query_terms_keep_the_content_words_of_text_and_phrases() -> None:
    terms = QueryTerms.from_text("Cancers of the LUNG", phrases=["single cell"])
    assert terms.words == ("cancers", "lung", "single", "cell")  # stop words gone, lower case
    assert terms.phrases == ("single cell",)
    assert QueryTerms.from_text("of the and").matcher() is None


def test_marks_every_form_of_a_query_word_by_stem_and_case_but_not_inside_words() -> None:
    matcher = QueryTerms.from_text("cancers lung").matcher()
    shown = mark("Cancer, CANCERS and cancerous lungs; precancer", matcher)
    assert shown == (
        "<mark>Cancer</mark>, <mark>CANCERS</mark> and <mark>cancerous</mark> <mark>lungs</mark>; precancer"
    )


def test_marked_text_is_html_escaped() -> None:
    matcher = QueryTerms.from_text("cancer").matcher()
    assert mark("<b>cancer</b> & co", matcher) == "&lt;b&gt;<mark>cancer</mark>&lt;/b&gt; &amp; co"
    assert mark("<script>", None) == "&lt;script&gt;"


def test_a_long_summary_is_cut_to_the_window_holding_the_matches() -> None:
    summary = "background " * 60 + "lung cancer biopsies were sequenced " + "filler " * 60
    shown = snippet(summary, QueryTerms.from_text("lung cancer").matcher())
    assert shown.startswith("\u2026 ") and shown.endswith(" \u2026")  # cut at both ends, and says so
    assert "<mark>lung</mark> <mark>cancer</mark> biopsies" in shown
    assert len(shown.replace("<mark>", "").replace("</mark>", "")) <= SNIPPET_CHARS + 20
    short = "A short lung summary."
    assert snippet(short, QueryTerms.from_text("lung").matcher()) == "A short <mark>lung</mark> summary."


def test_highlights_mark_title_and_summary_and_show_the_design_only_when_it_alone_matches() -> None:
    shown = highlights(LUNG, QueryTerms.from_text("lung"))
    assert shown == {
        "title": "<mark>Lung</mark> cancer cohort",
        "summary": "We profiled single-cell <mark>lung</mark> tumours.",
    }
    design_only = highlights(LUNG, QueryTerms.from_text("biopsies"))
    assert design_only["overall_design"] == "Cancer <mark>biopsies</mark> from 12 donors"
    assert "<mark>" not in design_only["title"] + design_only["summary"]


def test_reasons_name_the_phrase_and_the_words_found_in_each_field() -> None:
    assert reasons(LUNG, QueryTerms.from_text("lung cancer")) == [
        'phrase "lung cancer" in the title',
        "title mentions lung, cancer",
        "summary mentions lung",
        "overall design mentions cancer",
    ]
    quoted = QueryTerms.from_text("", phrases=["single cell"])
    assert reasons(LUNG, quoted)[0] == 'phrase "single cell" in the summary'
    assert reasons(LUNG, QueryTerms.from_text("psoriasis")) == []
    assert len(reasons(LUNG, QueryTerms.from_text("lung cancer"), limit=2)) == 2


def test_phrase_test_wants_the_words_in_order_by_stem_allowing_one_stop_word() -> None:
    single_cell = PhraseTest("single cell")
    assert single_cell("Single-cell RNA-seq") and single_cell("single cells of the kidney")
    assert not single_cell("cell lines from a single donor")  # both words, wrong order
    assert not single_cell("nonsingle cell")  # not at a word start
    assert PhraseTest("atlas kidney")("atlas of the kidney") is False  # two stop words: not a phrase
    assert PhraseTest("atlas kidney")("atlas of kidney")
    assert PhraseTest("lung cancer", gap_words=3)("lung adenocarcinoma and squamous cancer")
    assert not PhraseTest("")("anything")


def test_other_names_found_lists_the_synonyms_the_record_uses() -> None:
    names = ["lung carcinoma", "lung tumour", "lung cancers", "cohorts"]
    assert other_names_found(LUNG, names) == ["lung tumour", "lung cancers"]  # at most two, in order
    assert other_names_found(LUNG, names, limit=5) == ["lung tumour", "lung cancers", "cohorts"]
    assert other_names_found(LUNG, ["biopsies"]) == []  # the design does not count
    assert words_of("Non-small cell lung carcinomas") == ("non", "small", "cell", "lung", "carcinomas")


def test_a_phrase_keeps_its_one_character_words() -> None:
    """The index drops "2", but a quoted "type 2 diabetes" must not answer "type 1 diabetes"."""
    holds = PhraseTest("type 2 diabetes")
    assert holds("Circadian oscillations in Type 2 Diabetes") and holds("type-2 diabetes")
    assert not holds("siblings of type 1 diabetes patients") and not holds("type 21 diabetes")
    assert PhraseTest("B-cell lymphoma")("diffuse large B cell lymphoma")


@pytest.mark.parametrize("patterns", [[r"(?:cancer\w*|cancers)"], [r"(?:cell\w*|cells)", r"(?:typ\w*|type)"]])
def test_word_matches_are_those_no_word_character_precedes(patterns: list[str]) -> None:
    """Found with or without a look-behind, the matches are the look-behind's, in any case."""
    text = (
        "Cancer precancer _cancer 2cancer-CANCERS; cancer\u2019s cell-type prototype \u0130type "
        "cells\u017fcancer \u00e9cancer (cancerous) subtype typecell"
    )
    expected = re.compile(rf"(?<!\w)(?:{'|'.join(patterns)})", re.IGNORECASE)
    ascii_text = text.encode("ascii", "replace").decode()
    for shown in (text, ascii_text, ascii_text.upper()):
        found = list(WordMatcher(patterns).spans(shown))
        assert found and found == [m.span() for m in expected.finditer(shown)]
    assert not WordMatcher(patterns).found("precancer")


def test_sample_counts_are_of_samples_each_holding_the_name_not_of_text_across_two() -> None:
    """A name counts in a sample that holds it whole: one sample ending with "breast" before one
    starting with "cancer" is no breast cancer sample, however the samples' text is read."""
    samples = (
        Sample("GSM1", "tumour, breast"),
        Sample("GSM2", "cancer-free tissue"),
        Sample("GSM3", "Breast Cancer, primary"),
        Sample("GSM4", "normal"),
    )
    record = Series("GSE9", "A cohort", "Tissue from donors.", samples=samples)
    found = sample_reasons(record, QueryTerms(("breast", "cancer")), ["mammary carcinoma", "normal"])
    assert found == ["1 of 4 samples mention breast cancer", '1 of 4 samples mention "normal"']
