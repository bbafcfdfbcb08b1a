"""Relevance scoring (omics.search.ranking) on a tiny index built in the test.

Each record below differs from its rivals in one respect only (which field holds the words,
how many query words it holds, how close together they are), so the order asserted is the
one a researcher would expect from that difference alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from omics.search.brackets import bracket_names
from omics.search.highlight import PhraseTest, QueryTerms
from omics.search.index import FIELDS, SegmentedIndex
from omics.search.ranking import (
    FIELD_WEIGHTS,
    PHRASE_BONUS,
    PROXIMITY_BONUS,
    TITLE_MATCH_BONUS,
    holding_phrase,
    proximity_bonus,
    query_stems,
    sample_size_weighted,
    score_expansions,
    score_terms,
    stem_score,
    top_order,
)
from omics.search.series import Series
from omics.search.vocabulary import Expansion


def build_index(root: Path, records: list[Series]) -> SegmentedIndex:
    texts = {field: [getattr(record, field) for record in records] for field in FIELDS}
    return SegmentedIndex.build(root / "index", texts, fingerprint="test")


def series(n: int, title: str, summary: str = "", design: str = "") -> Series:
    return Series(accession=f"GSE{n}", title=title, summary=summary, overall_design=design)


def ranked(scores: np.ndarray) -> list[int]:
    """Document ids with a positive score, best first."""
    return top_order(scores, np.flatnonzero(scores > 0), len(scores)).tolist()


# Same words, same field lengths: the documents differ only in which field holds "asthma".
WHERE = [
    series(1, "lung tissue", "blood cells", "asthma airway"),  # design only
    series(2, "lung tissue", "asthma airway", "blood cells"),  # summary only
    series(3, "asthma airway", "lung tissue", "blood cells"),  # title
]


def test_a_title_match_outranks_a_summary_match_which_outranks_a_design_match(tmp_path: Path) -> None:
    index = build_index(tmp_path, WHERE)
    scores = stem_score(index, "asthma", len(WHERE))
    assert ranked(scores) == [2, 1, 0]
    # ... and by exactly the field weights, since nothing else differs between them.
    assert scores[2] / scores[1] == pytest.approx(FIELD_WEIGHTS["title"] / FIELD_WEIGHTS["summary"])
    assert scores[0] / scores[1] == pytest.approx(FIELD_WEIGHTS["overall_design"] / FIELD_WEIGHTS["summary"])


def test_a_record_with_every_query_word_beats_one_repeating_a_single_word(tmp_path: Path) -> None:
    records = [
        series(1, "asthma asthma asthma asthma", "asthma asthma in asthma patients"),
        series(2, "asthma airway remodelling", "bronchial biopsies of patients"),
        series(3, "psoriasis skin lesions", "keratinocytes of patients"),
    ]
    index = build_index(tmp_path, records)
    scored = score_terms(index, query_stems("asthma airway"), len(records))
    assert ranked(scored.scores) == [1, 0]
    assert scored.matched.tolist() == [True, True, False]
    assert scored.present["asthma"].tolist() == [True, True, False]
    assert scored.present["airway"].tolist() == [False, True, False]


def test_query_weights_scale_each_words_contribution(tmp_path: Path) -> None:
    records = [series(1, "asthma study"), series(2, "airway study"), series(3, "other study")]
    index = build_index(tmp_path, records)
    stems = query_stems("asthma airway")
    even = score_terms(index, stems, len(records)).scores
    assert even[0] == pytest.approx(even[1])  # symmetric records, equal weights: a tie
    favour_airway = score_terms(index, stems, len(records), weights={"asthma": 0.5}).scores
    assert ranked(favour_airway) == [1, 0]
    assert favour_airway[0] == pytest.approx(even[0] / 2)


def test_query_stems_drop_stop_words_and_repeats_and_keep_order() -> None:
    assert query_stems("Cells of the lung and LUNG cells") == ["cell", "lung"]
    assert query_stems("   ") == []


def test_holding_phrase_keeps_only_records_with_the_words_in_order(tmp_path: Path) -> None:
    records = [
        series(1, "Single cell atlas of the kidney"),
        series(2, "Cell lines from a single donor"),  # both words, not as a phrase
        series(3, "Bulk kidney", summary="profiled by single-cell sequencing"),  # phrase in the summary
        series(4, "Kidney atlas"),  # no candidate: never checked
    ]
    index = build_index(tmp_path, records)
    candidates = np.array([True, True, True, False])
    priority = np.ones(len(records), dtype=np.float32)
    found = holding_phrase("single cell", candidates, index, records.__getitem__, priority)
    assert found.tolist() == [True, False, True, False]


def test_holding_phrase_checks_only_the_best_candidates_within_its_budget(tmp_path: Path) -> None:
    records = [series(1, "cell single"), series(2, "cell single"), series(3, "cell single")]
    index = build_index(tmp_path, records)
    priority = np.array([0.1, 0.9, 0.5], dtype=np.float32)
    found = holding_phrase(
        "single cell", np.ones(3, dtype=bool), index, records.__getitem__, priority, budget=1
    )
    assert found.tolist() == [True, False, True]  # the unchecked ones keep the cheaper test they passed


def test_holding_phrase_reads_the_text_only_where_positions_are_unsure(tmp_path: Path) -> None:
    records = [
        series(1, "Systemic stem cells"),  # "stem" inside "systemic" starts a match the text test rejects
        series(2, "Stem cells of the gut"),
    ]
    index = build_index(tmp_path, records)
    read: list[int] = []

    def record(doc: int) -> Series:
        read.append(int(doc))
        return records[doc]

    priority = np.ones(2, dtype=np.float32)
    found = holding_phrase("stem cells", np.ones(2, dtype=bool), index, record, priority, gap_words=1)
    assert read == [0]
    holds = PhraseTest("stem cells", gap_words=1)
    assert found.tolist() == [holds(r.title) for r in records]


def test_proximity_bonus_rewards_words_together_in_title_then_summary() -> None:
    records = [
        series(1, "Lung cancer cohort", "unrelated text"),  # exact phrase in the title
        series(2, "A cohort", "lung cancer biopsies"),  # exact phrase in the summary
        series(3, "Lung adenocarcinoma and squamous cancer", "text"),  # within a few words in the title
        series(4, "Lung function", "lung function measured in many patients before cancer"),  # far apart
        series(5, "Lung cancers", "lung cancer"),  # both fields, and by stem
    ]
    bonus = proximity_bonus(records, QueryTerms(("lung", "cancer")))
    assert bonus.tolist() == pytest.approx(
        [
            1 + PHRASE_BONUS["title"],
            1 + PHRASE_BONUS["summary"],
            1 + PROXIMITY_BONUS,
            1.0,
            1 + PHRASE_BONUS["title"] + PHRASE_BONUS["summary"],
        ]
    )


def test_proximity_bonus_needs_two_words_and_crowns_a_pasted_title() -> None:
    records = [series(1, "Lung cancer"), series(2, "Molecular portraits of human breast tumors")]
    assert proximity_bonus(records, QueryTerms(("lung",))).tolist() == [1.0, 1.0]
    pasted = QueryTerms(("molecular", "portraits", "human", "breast", "tumors"))
    bonus = proximity_bonus(records, pasted)
    assert bonus[0] == 1.0
    assert bonus[1] == pytest.approx(1 + TITLE_MATCH_BONUS + PHRASE_BONUS["title"])


def test_top_order_is_by_descending_score_then_document_id() -> None:
    scores = np.array([1.0, 3.0, 3.0, 2.0, 0.5], dtype=np.float32)
    assert top_order(scores, np.arange(5), 5).tolist() == [1, 2, 3, 0, 4]
    assert top_order(scores, np.array([4, 3, 2, 1, 0]), 5).tolist() == [1, 2, 3, 0, 4]  # input order ignored
    assert top_order(scores, np.array([0, 3, 4]), 10).tolist() == [3, 0, 4]  # only the candidates
    assert top_order(scores, np.arange(5), 2).tolist() == [1, 2]


def test_top_order_cut_keeps_the_lowest_ids_among_ties() -> None:
    assert top_order(np.array([0.0, 0.0, 1.0, 1.0], dtype=np.float32), np.arange(4), 1).tolist() == [2]
    flat = np.zeros(40, dtype=np.float32)  # a filter-only search: every match scores 0
    assert top_order(flat, np.arange(40), 10).tolist() == list(range(10))


def test_sample_size_weighs_small_experiments_and_leaves_cohorts_and_unknowns() -> None:
    """Below ten samples a series' score is scaled by sqrt(samples / 10); from ten up, or with
    the count unknown (-1), the text alone decides; documents outside the match keep theirs."""
    scores = np.full(6, 2.0, dtype=np.float32)
    counts = np.array([1, 4, 9, 10, 400, -1], dtype=np.int32)
    match = np.array([True, True, True, True, True, True])
    weighted = sample_size_weighted(scores, match, counts)
    assert weighted == pytest.approx([2 * 0.1**0.5, 2 * 0.4**0.5, 2 * 0.9**0.5, 2.0, 2.0, 2.0], rel=1e-6)
    assert scores.tolist() == [2.0] * 6  # a copy: the caller's scores are not changed
    outside = sample_size_weighted(scores, np.array([False] * 6), counts)
    assert outside.tolist() == [2.0] * 6


def test_a_query_naming_its_topic_in_brackets_is_near_either_name() -> None:
    """ "Autism spectrum disorder (ASD)": a title saying "autism spectrum disorder" has the
    phrase; the words run together ("... disorder asd") are not what records write."""
    records = [
        series(1, "Autism spectrum disorder in blood", "text"),
        series(2, "Blood of children", "autism spectrum disorder (ASD) in blood"),
        series(3, "Systemic lupus erythematosus skin", "lupus nephritis"),
    ]
    autism = proximity_bonus(records, QueryTerms.from_text("Autism spectrum disorder (ASD)"))
    assert autism.tolist() == pytest.approx([1 + PHRASE_BONUS["title"], 1 + PHRASE_BONUS["summary"], 1.0])
    lupus = proximity_bonus(records, QueryTerms.from_text("Lupus (Systemic Lupus Erythematosus)"))
    assert lupus.tolist() == pytest.approx([1.0, 1.0, 1 + PHRASE_BONUS["title"]])


def test_bracket_names_are_the_text_outside_and_each_bracket() -> None:
    assert bracket_names("Lupus (Systemic Lupus Erythematosus)") == ("Lupus", "Systemic Lupus Erythematosus")
    assert bracket_names("Heart rate [HR] at rest") == ("Heart rate at rest", "HR")
    assert bracket_names("lung cancer") == ()


# One name of "Lupus (Systemic Lupus Erythematosus)", one word of its other name, neither.
LUPUS = [series(1, "lupus nephritis", "kidney"), series(2, "systemic sclerosis", "kidney"), series(3, "skin")]


def test_a_record_naming_the_topic_by_one_of_its_bracketed_names_is_fully_covered(tmp_path: Path) -> None:
    """Coverage counts the best name: "lupus" alone names "Lupus (Systemic Lupus Erythematosus)"."""
    index = build_index(tmp_path, LUPUS)
    query = "Lupus (Systemic Lupus Erythematosus)"
    stems = query_stems(query)
    plain = score_terms(index, stems, len(LUPUS)).scores
    names = [query_stems(name) for name in bracket_names(query)]
    named = score_terms(index, stems, len(LUPUS), names=names).scores
    assert named[0] == pytest.approx(plain[0] * len(stems))  # held one stem of three: was a third
    assert named[1] == pytest.approx(plain[1])  # "systemic": a third of the long name, as of all
    assert named[2] == 0
    assert ranked(named) == [0, 1]


def test_a_longer_other_name_earns_no_more_than_the_users_own_name_would(tmp_path: Path) -> None:
    """Another name is credited with its words' BM25 scaled to the user's name's length: the
    three indexed words of "malignant neoplasm of ovary" do not earn half as much again as two."""
    records = [
        series(1, "malignant neoplasm of ovary", "tumour samples"),
        series(2, "ovarian cancer", "tumour samples"),
        series(3, "liver samples", "hepatocytes"),
    ]
    index = build_index(tmp_path, records)
    name, query = "malignant neoplasm of ovary", "ovarian cancer"
    longer = Expansion(name, 0.7, "MONDO:1", query, "synonym", query)
    credit = score_expansions(index, [longer], len(records), records.__getitem__)
    summed = sum(stem_score(index, stem, len(records)) for stem in query_stems(longer.phrase))
    assert credit[0] == pytest.approx(0.7 * summed[0] * 2 / 3)  # two stems of the user's, three of its
    assert credit[1] == credit[2] == 0
