"""Ontology query expansion: what a researcher's wording is understood as, and what it adds."""

from __future__ import annotations

from pathlib import Path

from omics.search.vocabulary import SUBTYPE_WEIGHT, Vocabulary, normalise

HCC = "MONDO:0007256"  # hepatocellular carcinoma
PARKINSON = "MONDO:0005180"
T_CELL = "CL:0000084"


def phrases(vocab: Vocabulary, text: str) -> dict[str, float]:
    return {e.phrase.lower(): e.weight for e in vocab.expand(text)}


def test_exact_synonyms_expand_both_ways(vocab: Vocabulary) -> None:
    assert "paralysis agitans" in phrases(vocab, "Parkinson disease")
    assert "parkinson disease" in phrases(vocab, "paralysis agitans")
    assert "hepatocellular carcinoma" in phrases(vocab, "hepatoma")
    assert "hepatoma" in phrases(vocab, "hepatocellular carcinoma")
    assert "t cell" in phrases(vocab, "T lymphocyte")


def test_case_apostrophes_and_plurals_do_not_matter(vocab: Vocabulary) -> None:
    for text in (
        "Parkinson's disease",
        "PARKINSONS DISEASE",
        "parkinson disease",
        "Parkinson\u2019s diseases",
    ):
        assert [c.term_id for c in vocab.concepts(text)] == [PARKINSON], text
    assert [c.term_id for c in vocab.concepts("T-lymphocytes")] == [T_CELL]
    assert [c.term_id for c in vocab.concepts("hepatomas")] == [HCC]


def test_bracketed_qualifiers_are_ignored_in_names() -> None:
    assert normalise("Alzheimer's disease (disorder)") == normalise("alzheimer disease")
    assert normalise("melanoma [ambiguous]") == "melanoma"


def test_concept_offsets_point_at_the_words_of_the_query(vocab: Vocabulary) -> None:
    text = "microglia in Alzheimer's disease brains"
    spans = {c.label: text[c.start : c.end] for c in vocab.concepts(text)}
    assert spans["Alzheimer disease"] == "Alzheimer's disease"
    assert spans["brain"] == "brains"


def test_acronyms_weigh_less_than_full_names(vocab: Vocabulary) -> None:
    weights = phrases(vocab, "hepatocellular carcinoma")
    assert weights["hcc"] < weights["hepatoma"]
    guessed = phrases(vocab, "PD")  # Parkinson disease, but also a neuron type
    assert 0 < guessed["parkinson disease"] < phrases(vocab, "paralysis agitans")["parkinson disease"]
    assert any(c.term_id.startswith("CL:") for c in vocab.concepts("PD"))


def test_acronyms_need_capitals_and_common_words_are_not_acronyms(vocab: Vocabulary) -> None:
    assert vocab.concepts("pd") == []
    assert vocab.concepts("all samples") == []
    assert "acute lymphoblastic leukemia" in phrases(vocab, "ALL blasts")


def test_ambiguous_or_two_letter_acronyms_are_never_added(vocab: Vocabulary) -> None:
    assert "pd" not in phrases(vocab, "Parkinson disease")
    assert "ad" not in phrases(vocab, "Alzheimer disease")


def test_specific_diseases_widen_to_subtypes_at_lower_weight(vocab: Vocabulary) -> None:
    expansions = vocab.expand("hepatocellular carcinoma")
    subtypes = [e for e in expansions if e.relation == "subtype"]
    synonyms = [e for e in expansions if e.relation == "synonym"]
    assert any("fibrolamellar" in e.phrase.lower() for e in subtypes)
    assert max(e.weight for e in subtypes) < min(e.weight for e in synonyms)


def test_a_broad_disease_category_widens_to_its_kinds_only(vocab: Vocabulary) -> None:
    subtypes = [e for e in vocab.expand("arrhythmia") if e.relation == "subtype"]
    assert "atrial fibrillation" in [e.phrase for e in subtypes]  # a child: a kind of arrhythmia
    assert "Brugada syndrome" not in [e.phrase for e in subtypes]  # a grandchild, through a child
    assert {e.weight for e in subtypes} == {SUBTYPE_WEIGHT}
    assert vocab.expand("disease") == []  # an ontology root says nothing


def test_other_categories_are_not_widened(vocab: Vocabulary) -> None:
    assert not [e for e in vocab.expand("brain") if e.relation == "subtype"]  # its children are parts


def test_the_querys_own_wording_is_not_repeated(vocab: Vocabulary) -> None:
    for expansion in vocab.expand("Parkinson disease"):
        assert "parkinson disease" not in normalise(expansion.phrase)


def test_lexicon_is_cached_in_the_data_directory(vocab: Vocabulary, data_dir: Path) -> None:
    cached = list(data_dir.glob("vocabulary-*.json.gz"))
    assert len(cached) == 1
    reloaded = Vocabulary.load(data_dir)
    assert reloaded.expand("hepatoma") == vocab.expand("hepatoma")


def test_relations_can_be_switched_off_one_by_one(vocab: Vocabulary) -> None:
    assert vocab.with_relations().expand("hepatocellular carcinoma") == []
    names_only = vocab.with_relations("synonym", "acronym")
    relations = {e.relation for e in names_only.expand("hepatocellular carcinoma")}
    assert relations == {"synonym", "acronym"}


def test_a_name_that_is_one_concepts_label_means_that_concept(vocab: Vocabulary) -> None:
    # MONDO also lists "blood" as a synonym of leukemia; the anatomy term is called "blood"
    assert [c.label for c in vocab.concepts("blood")] == ["blood"]
    assert "leukemia" not in {e.phrase.lower() for e in vocab.expand("covid-19 blood")}


def test_assay_words_are_left_to_the_query_parser(vocab: Vocabulary) -> None:
    assert vocab.expand("RNA-seq") == []
