"""Loaders on real GEO material: the shipped corpus, SOFT family files, an esummary document."""

from __future__ import annotations

import json

from omics.search.loaders import parse_esummary, parse_soft, read_jsonl, write_jsonl
from omics.search.series import Sample, Series
from tests.search.conftest import FIXTURES, SOFT


def test_corpus_has_every_series_with_its_metadata(corpus: list[Series]) -> None:
    assert len(corpus) == 8091
    by_accession = {s.accession: s for s in corpus}
    gse59 = by_accession["GSE59"]
    assert gse59.title == "Human cancer cell lines"
    assert gse59.organisms == ("Homo sapiens",)
    assert gse59.platforms == ("GPL169", "GPL167")
    assert gse59.sample_count == 68
    assert gse59.gds == ("GDS88",)


def test_jsonl_round_trip_keeps_every_field(corpus: list[Series], tmp_path) -> None:
    sample = [s for s in corpus if s.accession == "GSE105845"] + corpus[:50]
    path = tmp_path / "out.jsonl.gz"
    write_jsonl(path, sample)
    assert list(read_jsonl(path)) == sample
    assert [s.extra for s in read_jsonl(path)] == [s.extra for s in sample]


def test_soft_family_file_matches_the_corpus_record(corpus: list[Series]) -> None:
    [parsed] = parse_soft(SOFT / "GSE105845_family.soft")
    shipped = next(s for s in corpus if s.accession == "GSE105845")
    assert parsed.title == shipped.title == "microRNA-seq from forebrain (ENCSR715QTV)"
    assert parsed.summary == shipped.summary
    assert parsed.organisms == shipped.organisms == ("Mus musculus",)
    assert parsed.series_types == ("Non-coding RNA profiling by high throughput sequencing",)
    assert parsed.platforms == ("GPL13112",)
    assert parsed.sample_count == 2
    assert parsed.submission_date == "2017-10-23"


def test_soft_samples_come_from_sample_blocks_only() -> None:
    """GSE105845's family file names two sample ids but holds no sample block (nor any
    characteristics): its count says 2, and no sample text is invented from the ids."""
    [parsed] = parse_soft(SOFT / "GSE105845_family.soft")
    assert parsed.sample_count == 2
    assert parsed.samples == () and parsed.sample_text == ""


def test_soft_reads_sample_characteristics_of_every_channel() -> None:
    [series] = parse_soft(SOFT / "soft_ex_family.txt")
    first = series.samples[0]
    assert first.accession == "Control Embyronic Stem Cell Replicate 1"
    assert first.characteristics == (
        "Cell line: ES-D3 (CRL-1934)",
        "Passages: 4",
        "Cell type: embryonic stem cells derived from blastocysts",
        "Strain: 129Sv",
        "Strain: C57BL/6",
        "Age: E17.5 d",
        "Tissue: whole embryo",
    )
    # Searched by their values: the keys ("Tissue") name no topic.
    assert "embryonic stem cells derived from blastocysts" in first.text
    assert "whole embryo" in first.text and "Tissue" not in first.text
    assert series.samples[2].title == "Triple-Fusion Transfected Embryonic Stem Cells Replicate 1"
    shown = series.to_dict()["samples"][0]
    assert shown["characteristics"][-1] == "Tissue: whole embryo"
    assert Series.from_dict(json.loads(json.dumps(series.to_dict()))) == series


def test_a_sample_without_characteristics_is_stored_as_before() -> None:
    """The previous release reads ``{"accession", "title"}`` objects; records without
    characteristics keep exactly that shape, and ones with them only gain a key it ignores."""
    plain = Series("GSE1", "t", samples=(("GSM1", "tumour 1"),))
    assert plain.samples == (Sample("GSM1", "tumour 1"),)
    assert plain.to_dict()["samples"] == [{"accession": "GSM1", "title": "tumour 1"}]
    assert Series("GSE2", "t", samples=(("GSM2", "GBM_tumour_2"),)).sample_text == "GBM tumour 2"
    rich = Series("GSE1", "t", samples=(Sample("GSM1", "tumour 1", ("disease state: glioblastoma",)),))
    stored = rich.to_dict()["samples"][0]
    assert {"accession": stored["accession"], "title": stored["title"]} == {
        "accession": "GSM1",
        "title": "tumour 1",
    }


def test_soft_reads_organisms_from_samples_and_skips_data_tables() -> None:
    [series] = parse_soft(SOFT / "soft_ex_family.txt")
    assert series.title == "Murine ES Cells: Control vs. Triple-Fusion Transfected"
    assert series.organisms == ("Mus musculus",)
    assert series.sample_count == 3
    assert series.overall_design.startswith("Two-condition experiment")
    [platform_file_series] = parse_soft(SOFT / "GPL20814_family.soft")
    assert platform_file_series.accession == "GSE72138"


def test_esummary_takes_accessions_from_the_record_not_the_uid() -> None:
    records = parse_esummary(FIXTURES / "esummary_gds.json")
    assert [r.accession for r in records] == ["GSE327255", "GSE226260", "GSE292461"]
    long_covid = records[1]
    assert long_covid.entrez_uid == "200226260"
    assert long_covid.platforms == ("GPL34284", "GPL24676")
    assert long_covid.series_types == ("Expression profiling by high throughput sequencing",)
    assert long_covid.sample_count == 331
    assert records[2].organisms == ("Mesocricetus auratus",)


def test_esummary_skips_non_series_entries_and_inline_errors() -> None:
    document = json.loads((FIXTURES / "esummary_gds.json").read_text())
    kinds = {doc.get("entrytype") for uid, doc in document["result"].items() if uid != "uids"}
    assert {"GDS", "GPL", "GSM", None} <= kinds  # the fixture really holds them
    accessions = {r.accession for r in parse_esummary(document)}
    assert not accessions & {"GDS5435", "GPL21145", "GSM1"}


def test_esummary_records_carry_dates_papers_samples_and_files() -> None:
    me_study = parse_esummary(FIXTURES / "esummary_gds.json")[0]
    assert me_study.submission_date == "2026-04-22"
    assert me_study.pubmed_ids == ("42010606",)
    assert me_study.samples[0] == Sample("GSM9652321", "Case 131")  # esummary has no characteristics
    assert me_study.supplementary_files == ("CSV", "IDAT")
    assert me_study.bioproject == "PRJNA1450064"
    assert me_study.ftp_link == "ftp://ftp.ncbi.nlm.nih.gov/geo/series/GSE327nnn/GSE327255/"
    shown = me_study.to_dict()
    assert shown["samples"][0] == {"accession": "GSM9652321", "title": "Case 131"}
    assert Series.from_dict(json.loads(json.dumps(shown))) == me_study
