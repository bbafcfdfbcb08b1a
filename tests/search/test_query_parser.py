"""How free text is understood: phrases, exclusions, accessions, organisms, assays, sample sizes."""

from __future__ import annotations

import pytest

from omics.search.query_parser import parse_query


def test_phrases_exclusions_and_free_text() -> None:
    parsed = parse_query('"breast cancer" tamoxifen -mouse NOT "cell line"')
    assert parsed.phrases == ["breast cancer"]
    assert parsed.excluded == ["cell line", "mouse"]
    assert parsed.free_text == "tamoxifen"
    assert parsed.organisms == []  # an excluded organism word is not an organism filter


def test_hyphenated_words_are_not_exclusions() -> None:
    parsed = parse_query("T-cell anti-PD-1 response")
    assert parsed.excluded == []
    assert parsed.free_text == "T-cell anti-PD-1 response"


def test_accessions_are_recognised_in_any_case() -> None:
    parsed = parse_query("gse61, GDS88 GPL570 GSM1")
    assert parsed.accessions == ["GSE61", "GDS88", "GPL570", "GSM1"]
    assert parsed.free_text == ""
    assert any("GSM1 is a sample" in note for note in parsed.notes)


def test_organism_and_assay_words_become_filters() -> None:
    parsed = parse_query("mouse liver RNA-seq")
    assert parsed.organisms == ["Mus musculus"]
    assert parsed.series_types == ["Expression profiling by high throughput sequencing"]
    assert parsed.free_text == "liver"
    human = parse_query("human single-cell atlas of the kidney")
    assert human.organisms == ["Homo sapiens"]
    assert "single-cell" in human.free_text  # topic-bearing assay words still rank
    assert parse_query("zebrafish fin ChIP-seq").series_types == [
        "Genome binding/occupancy profiling by high throughput sequencing"
    ]


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("asthma at least 20 samples", 20, None),
        ("asthma >= 20 samples", 20, None),
        ("asthma more than 10 samples", 11, None),
        ("asthma 50+ samples", 50, None),
        ("asthma fewer than 8 samples", None, 7),
        ("asthma at most 30 samples", None, 30),
        ("asthma between 40 and 10 samples", 10, 40),
    ],
)
def test_sample_size_phrases(text: str, low: int | None, high: int | None) -> None:
    parsed = parse_query(text)
    assert (parsed.min_samples, parsed.max_samples) == (low, high)
    assert parsed.free_text == "asthma"
    assert parsed.notes  # the user is told how it was read


def test_parsed_query_is_plain_data() -> None:
    view = parse_query('"cystic fibrosis" human').to_dict()
    assert view["text"] == '"cystic fibrosis" human'
    assert view["phrases"] == ["cystic fibrosis"]
    assert view["organisms"] == ["Homo sapiens"]


def test_each_word_read_as_a_filter_is_named_with_what_it_set() -> None:
    """The page turns readings into removable chips; removing one removes exactly these words."""
    parsed = parse_query("kidney fibrosis mouse RNA-seq at least 10 samples more like GSE1, GSE2")
    readings = {(r["words"], r["field"]): r["value"] for r in parsed.readings}
    assert readings == {
        ("mouse", "organisms"): "Mus musculus",
        ("RNA-seq", "series_types"): ["Expression profiling by high throughput sequencing"],
        ("at least 10 samples", "samples"): {"min": 10, "max": None},
        ("more like GSE1, GSE2", "similar_to"): ["GSE1", "GSE2"],
    }
    assert all(r["words"] in parsed.text for r in parsed.readings)
