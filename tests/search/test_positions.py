"""Phrase checks on word positions (omics.search.positions) answer as the text test does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from omics.search.highlight import PhraseTest
from omics.search.positions import WordPositions, words_of

TEXTS = [
    "Single cell atlas of the kidney",
    "single-cell RNA-seq",
    "cells of a single donor",
    "Alzheimer's disease hippocampus",
    "Alzheimer\u2019s disease",
    "alzheimer disease",
    "women's breast cancer",
    "breast and ovarian cancer",
    "breast, ovarian and endometrial cancer",
    "cancer of the breast",
    "cancer of breast",
    "Vulvar, Cervical, Endometrial Carcinoma",
    "esophageal squamous cell carcinoma",
    "type 2 diabetes islets",
    "type 1 diabetes",
    "type-2 diabetes",
    "diffuse large B cell lymphoma",
    "B-cell lymphoma",
    "ab cell lymphoma",
    "x_b cell lymphoma",
    "foo_breast cancer",
    "systemic stem cells",
    "stem-cell niche",
    "multiple sclerosis",
    "multiple cellular pathways in amyotrophic lateral sclerosis",
    "T cell exhaustion",
    "CD8+ T-cells",
    "covid-19 patients",
    "COVID 19",
    "breast cancers",
    "",
]
PHRASES = [
    ("single cell", 0),
    ("alzheimer disease", 1),
    ("alzheimer's disease", 0),
    ("breast cancer", 1),
    ("breast cancer", 0),
    ("cancer of breast", 1),
    ("cervical carcinoma", 2),
    ("esophageal carcinoma", 2),
    ("type 2 diabetes", 0),
    ("B-cell lymphoma", 0),
    ("stem cells", 1),
    ("multiple sclerosis", 1),
    ("t cell", 0),
    ("covid-19", 1),
]


@pytest.fixture(scope="module")
def positions() -> WordPositions:
    return WordPositions.build([TEXTS, [""] * len(TEXTS)])


@pytest.mark.parametrize(("phrase", "gap"), PHRASES)
def test_positions_answer_as_the_text_test_or_say_they_are_unsure(positions, phrase: str, gap: int) -> None:
    test = PhraseTest(phrase, gap_words=gap)
    found, unsure = positions.holding(test, np.arange(len(TEXTS)))
    expected = [test(text) for text in TEXTS]
    assert [e for e, u in zip(expected, unsure, strict=True) if not u] == found[~unsure].tolist()


def test_a_match_inside_a_word_is_left_to_the_text(positions) -> None:
    docs = np.array([TEXTS.index("systemic stem cells"), TEXTS.index("x_b cell lymphoma")])
    assert positions.holding(PhraseTest("stem cells", gap_words=1), docs[:1])[1].all()
    assert positions.holding(PhraseTest("B-cell lymphoma"), docs[1:])[1].all()


def test_no_phrase_runs_from_one_field_into_the_next() -> None:
    positions = WordPositions.build([["kidney atlas single"], ["cell lines"]])
    found, unsure = positions.holding(PhraseTest("single cell", gap_words=2), np.array([0]))
    assert not found[0] and not unsure[0]


def test_positions_survive_saving_and_loading(tmp_path: Path, positions) -> None:
    positions.save(tmp_path / "positions")
    loaded = WordPositions.load(tmp_path / "positions")
    test = PhraseTest("breast cancer", gap_words=1)
    docs = np.arange(len(TEXTS))
    assert [a.tolist() for a in loaded.holding(test, docs)] == [
        a.tolist() for a in positions.holding(test, docs)
    ]


def test_a_possessive_s_is_a_word_of_its_own() -> None:
    assert words_of("Alzheimer's and Crohn\u2019s; o'sullivan") == [
        "alzheimer",
        "'s",
        "and",
        "crohn",
        "'s",
        "o",
        "sullivan",
    ]
