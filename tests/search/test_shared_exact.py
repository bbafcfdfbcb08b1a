"""The shared index's words around one-character words (omics.search.shared_index.exact) never
contradict the text test: what they show held is held, what they rule out is not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import tantivy

from omics.search.highlight import PhraseTest
from omics.search.shared_index.exact import (
    NEAR_SHORT,
    SHORT_WORDS,
    WINDOW,
    WORDS_TOKENIZER,
    near_short,
    possible,
    short_words,
    sure,
    words_tokenizer,
)
from tests.search.test_positions import TEXTS

MORE = [
    "Type 2 Diabetes",
    "type 2 diabetic islets",  # the text test's "diabet" prefix: not shown held, left to the text
    "type_2 diabetes",
    "xtype 2 diabetes",
    "type II diabetes and 2 controls",
    "type 1 and type 2 diabetes",
    "type 2; diabetes",
    "type of 2 diabetes",
    "type 2 the diabetes",
    "t cell t cell exhaustion",
    "at cell exhaustion",
    "a_t cell exhaustion",
    "vitamin d deficiency",
    "vitamin d3 deficiency",
    "b b cell",
    "type 2 diabetes" + "x" * 300,
    "type's 2 of diabetes",
    "x_type 2 diabetes",
    "type 2 diabetes_x",
    "diabetes mellitus, type 2",
    "diabetes mellitus of the type 2",
    "mellitus type 2 diabetes",
    "the t cells' exhaustion",
    " ".join(["word"] * 20 + ["b", "cell"] + ["word"] * 20),
]
PHRASES = [
    "type 2 diabetes",
    "diabetes mellitus type 2",
    "diabetes mellitis type 2",
    "type 1 diabetes",
    "t cell exhaustion",
    "t cell",
    "B-cell lymphoma",
    "diffuse large B cell lymphoma",
    "vitamin d deficiency",
    "b cell",
    "covid 19",
    "a b",
]


def _index(records: list[list[str]]) -> tuple[tantivy.Searcher, tantivy.Schema]:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("doc", fast=True)
    builder.add_text_field(NEAR_SHORT, tokenizer_name=WORDS_TOKENIZER)
    builder.add_text_field(SHORT_WORDS, tokenizer_name=WORDS_TOKENIZER, index_option="basic")
    schema = builder.build()
    index = tantivy.Index(schema)
    index.register_tokenizer(WORDS_TOKENIZER, words_tokenizer())
    writer = index.writer(num_threads=1)
    for doc, texts in enumerate(records):
        document = tantivy.Document()
        document.add_unsigned("doc", doc)
        document.add_text(NEAR_SHORT, near_short(texts))
        document.add_text(SHORT_WORDS, short_words(texts))
        writer.add_document(document)
    writer.commit()
    index.reload()
    return index.searcher(), schema


def _forms(searcher: tantivy.Searcher) -> Callable[[str], list[tuple[str, int]]]:
    return lambda letters: searcher.terms_with_prefix(NEAR_SHORT, letters)


def _docs(searcher: tantivy.Searcher, query: tantivy.Query | None, size: int) -> set[int]:
    if query is None:
        return set()
    hits = searcher.search(query, size).hits
    return {int(d or 0) for d in searcher.fast_field_values("doc", [address for _score, address in hits])}


@pytest.mark.parametrize("phrase", PHRASES)
def test_what_the_index_shows_held_is_held_and_what_it_rules_out_is_not(phrase: str) -> None:
    texts = TEXTS + MORE
    searcher, schema = _index([[text] for text in texts])
    test = PhraseTest(phrase)
    held = {doc for doc, text in enumerate(texts) if test(text)}
    assert _docs(searcher, sure(schema, test, _forms(searcher)), len(texts)) <= held
    maybe = possible(schema, test, _forms(searcher))
    assert maybe is None or held <= _docs(searcher, maybe, len(texts))


def test_the_index_shows_the_name_as_typed_held_and_rules_out_the_other_type() -> None:
    searcher, schema = _index(
        [
            ["Type 2 Diabetes"],
            ["type 1 diabetes, studied in a cohort of 2"],
            ["type-2 diabetes"],
            ["type 2 diabetic"],
        ]
    )
    test = PhraseTest("type 2 diabetes")
    assert _docs(searcher, sure(schema, test, _forms(searcher)), 4) == {0, 2, 3}
    assert _docs(searcher, possible(schema, test, _forms(searcher)), 4) == {0, 2, 3}


def test_no_phrase_runs_from_one_field_into_the_next_or_across_a_window() -> None:
    far = " ".join(["b"] + ["word"] * (2 * WINDOW + 2) + ["cell", "c"])
    searcher, schema = _index([["islets of type 2"], ["diabetes in mice"]])
    searcher_far, schema_far = _index([[far]])
    assert not _docs(searcher, sure(schema, PhraseTest("type 2 diabetes"), _forms(searcher)), 2)
    split = _index([["islets of type 2", "diabetes in mice"]])
    assert not _docs(split[0], sure(split[1], PhraseTest("type 2 diabetes"), _forms(split[0])), 1)
    assert not _docs(searcher_far, sure(schema_far, PhraseTest("b word cell"), _forms(searcher_far)), 1)


def test_a_phrase_whose_first_word_may_hide_a_match_is_left_to_the_text() -> None:
    searcher, schema = _index([["a b cell t cell t cell"]])
    assert sure(schema, PhraseTest("t cell t cell"), _forms(searcher)) is None
    assert sure(schema, PhraseTest("a b cell"), _forms(searcher)) is None


def test_a_word_stands_for_the_words_the_text_test_matches_it_with() -> None:
    searcher, schema = _index([["T-cells"], ["t cellular"], ["t cel"]])
    assert _docs(searcher, sure(schema, PhraseTest("t cell"), _forms(searcher)), 3) == {0, 1}
