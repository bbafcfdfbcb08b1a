"""A bracket in a query renames what precedes it, or qualifies it (omics.search.brackets)."""

from __future__ import annotations

import pytest

from omics.search.brackets import bracket_names, qualifiers_in_front
from omics.search.engine import SearchEngine
from omics.search.highlight import QueryTerms
from omics.search.ranking import phrases_of
from omics.search.vocabulary import abbreviates


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("Autism spectrum disorder (ASD)", ("Autism spectrum disorder", "ASD")),  # its initials
        ("pheochromocytoma (PCC)", ("pheochromocytoma", "PCC")),  # letters of the word, in order
        ("Lupus (Systemic Lupus Erythematosus)", ("Lupus", "Systemic Lupus Erythematosus")),  # one concept
        ("heart attack (myocardial infarction)", ("heart attack", "myocardial infarction")),
        ("Heart rate [HR] at rest", ("Heart rate at rest", "HR")),
        ("breast cancer (female)", ()),  # qualifiers: more of the query
        ("asthma (childhood)", ()),
        ("diabetes (type 2)", ()),
        ("lung cancer (NSCLC)", ()),  # a kind of lung cancer, not its name
        ("lung cancer", ()),
    ],
)
def test_a_bracket_is_another_name_only_when_it_abbreviates_or_names_the_same_concept(
    engine: SearchEngine, query: str, names: tuple[str, ...]
) -> None:
    assert bracket_names(query, engine.vocabulary) == names


def test_a_qualifier_is_read_with_the_words_before_it_for_the_phrase_bonus(engine: SearchEngine) -> None:
    """ "breast cancer (female)" is near "female breast cancer" as typed, not two names of one thing."""
    terms = QueryTerms.from_text("breast cancer (female)", vocabulary=engine.vocabulary)
    assert phrases_of(terms) == ["breast cancer female"]


def test_abbreviations_follow_the_words_they_shorten() -> None:
    assert abbreviates("T2D", "type 2 diabetes") and abbreviates("GBM", "glioblastoma")
    assert not abbreviates("TCGA", "breast cancer") and not abbreviates("human", "human lung")


def test_an_acronym_in_brackets_that_abbreviates_nothing_before_it_is_searched(engine: SearchEngine) -> None:
    """ "(ASD)" restates "Autism spectrum disorder", so its other meanings are not guessed; "(NSCLC)"
    after "lung cancer" narrows it, so non-small cell lung carcinoma's names are searched."""
    narrowed = {e.label for e in engine.vocabulary.expand("lung cancer (NSCLC)") if e.matched == "NSCLC"}
    assert "non-small cell lung carcinoma" in narrowed
    assert not [e for e in engine.vocabulary.expand("Autism spectrum disorder (ASD)") if e.matched == "ASD"]


@pytest.mark.parametrize(
    ("query", "read"),
    [
        ("diabetes (type 2)", "type 2 diabetes"),
        ("breast cancer (female) in blood", "female breast cancer in blood"),
        ("breast cancer (TCGA)", "breast cancer (TCGA)"),  # no name the vocabulary knows: left in place
        ("Autism spectrum disorder (ASD)", "Autism spectrum disorder (ASD)"),  # a name, not a qualifier
    ],
)
def test_a_qualifier_is_read_in_front_of_the_name_when_the_vocabulary_knows_the_whole(
    engine: SearchEngine, query: str, read: str
) -> None:
    assert qualifiers_in_front(query, engine.vocabulary) == read
