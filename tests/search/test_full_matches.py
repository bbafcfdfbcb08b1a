"""Honest counts: a series matches a query when it covers every concept of it; the rest are
partial matches, ranked after every full one, counted apart, and told what they miss."""

from __future__ import annotations

import re
from collections.abc import Callable

from omics.search.engine import MAX_HITS, SearchEngine
from omics.search.outcome import Hit, SearchOutcome
from omics.search.request import SearchRequest
from omics.search.series import Series


def _text(engine: SearchEngine, accession: str) -> str:
    record = engine.get(accession)
    assert record is not None
    return f"{record.title} {record.summary} {record.overall_design}"


def test_a_two_concept_query_never_counts_series_with_only_one(
    engine: SearchEngine, run: Callable[..., SearchOutcome]
) -> None:
    outcome = run("T cell exhaustion", page_size=1000)
    full, partial = outcome.hits[: outcome.total], outcome.hits[outcome.total :]
    assert outcome.total > 0 and outcome.total_partial > 100  # many series name only one of them
    assert len(partial) == min(outcome.total_partial, MAX_HITS - outcome.total)  # ranked hits are capped
    exhaustion = re.compile(r"\bexhaust", re.I)
    for hit in full:
        assert exhaustion.search(_text(engine, hit.accession)), hit.accession  # no other name for it
        assert not hit.missing
    assert all(hit.missing for hit in partial)
    t_cells = re.compile(r"\bT[- ]cells?\b", re.I)
    only_t_cells = [
        h
        for h in partial
        if t_cells.search(_text(engine, h.accession)) and not exhaustion.search(_text(engine, h.accession))
    ]
    assert only_t_cells and all(h.missing == ["exhaustion"] for h in only_t_cells)
    explained = engine.explain(only_t_cells[0]) and only_t_cells[0].reasons
    assert explained and explained[0] == 'does not mention "exhaustion"'


def test_facets_count_full_matches_only(run: Callable[..., SearchOutcome]) -> None:
    outcome = run("T cell exhaustion")
    assert outcome.total_partial > 0
    assert outcome.facets["organism"] and max(outcome.facets["organism"].values()) <= outcome.total
    assert sum(outcome.facets["sample_size"].values()) == outcome.total  # each series in one band


def test_another_name_of_a_concept_makes_a_full_match(engine: SearchEngine) -> None:
    """A series saying "trisomy 21" covers "Down syndrome" although it lacks the words."""
    outcome = engine.search(SearchRequest(query="Down syndrome", page_size=1000))
    full = {hit.accession for hit in outcome.hits[: outcome.total]}
    by_other_name = [a for a in full if not re.search(r"\bdown", _text(engine, a), re.I)]
    assert by_other_name
    assert all(re.search(r"trisomy 21|trisomy21", _text(engine, a), re.I) for a in by_other_name)


def test_a_bracket_renames_what_precedes_it(run: Callable[..., SearchOutcome]) -> None:
    """ "(ASD)" says which concept the acronym means: it is not one more thing to find."""
    outcome = run("Autism spectrum disorder (ASD)")
    assert outcome.parsed["concepts"] == ["Autism spectrum disorder"]
    named = {expansion["label"] for expansion in outcome.parsed.get("expansions", [])}
    assert "atrial septal defect" not in named


def test_a_bracketed_qualifier_is_one_more_thing_to_find(engine: SearchEngine) -> None:
    """ "breast cancer (TCGA)" asks for breast cancer data from TCGA: "TCGA" is no other name of
    breast cancer, so a breast cancer study that never says TCGA is no full match."""
    outcome = engine.search(SearchRequest(query="breast cancer (TCGA)", page_size=1000))
    assert outcome.parsed["concepts"] == ["breast cancer", "TCGA"]
    full = [_text(engine, hit.accession) for hit in outcome.hits[: outcome.total]]
    assert full and all(re.search(r"\bTCGA", t, re.I) for t in full)


def test_a_qualifier_the_vocabulary_knows_in_front_of_the_name_is_read_there(engine: SearchEngine) -> None:
    """ "Diabetes (type 2)" is type 2 diabetes: no full match is a study of type 1 diabetes only
    (read in place, "type" counted as a name of diabetes)."""
    outcome = engine.search(SearchRequest(query="Diabetes (type 2)", page_size=1000))
    assert outcome.parsed["concepts"] == ["type 2 Diabetes"]
    full = [_text(engine, hit.accession) for hit in outcome.hits[: outcome.total]]
    assert full and not any(
        re.search(r"type 1 diabetes", t, re.I)
        and not re.search(r"type (2|II) diabetes|diabetes (mellitus )?type (2|II)|T2D|non-?insulin", t, re.I)
        for t in full
    )


def test_a_short_name_the_user_typed_covers_its_concept(engine: SearchEngine) -> None:
    """MONDO's "autism" (a kind of autism spectrum disorder) is one short word, dropped as an
    ambiguous guess, but the user typed it: a study of autism that never says "spectrum
    disorder" or "ASD" is a full match."""
    outcome = engine.search(SearchRequest(query="Autism spectrum disorder", page_size=1000))
    full = [_text(engine, hit.accession) for hit in outcome.hits[: outcome.total]]
    assert any(
        re.search(r"\bautism", t, re.I) and not re.search(r"spectrum|\bASDs?\b", t, re.I) for t in full
    )
    assert all(re.search(r"autis|\bASDs?\b|asperger|kanner|pervasive developmental", t, re.I) for t in full)


def test_a_longer_other_name_does_not_outrank_the_users_own(engine: SearchEngine) -> None:
    """GSE36847 (metformin) says "type II diabetes" once in its summary. The other name's "II" is
    a rare, so heavy, word that "Type 2 Diabetes" has no indexed word for: credited for its
    three words it ranked second, above the studies whose titles name type 2 diabetes; credited
    for the user's two, it ranks below them."""
    outcome = engine.search(SearchRequest(query="Type 2 Diabetes", page_size=20))
    ranked = [hit.accession for hit in outcome.hits]
    above = [
        a for a in ranked[: ranked.index("GSE36847")] if re.search(r"type 2 diabetes", _text(engine, a), re.I)
    ]
    assert len(above) >= 4


def test_a_number_in_a_concept_tells_it_apart(engine: SearchEngine) -> None:
    """ "Type 1 diabetes" holds the words "type" and "diabetes" but is not "Type 2 Diabetes"."""
    outcome = engine.search(SearchRequest(query="Type 2 Diabetes", page_size=1000))
    full = [_text(engine, hit.accession) for hit in outcome.hits[: outcome.total]]
    assert full and not any(
        re.search(r"type 1 diabetes", t, re.I)
        and not re.search(
            r"type (2|II) diabetes|diabetes (mellitus )?type (2|II)|T2D|non-?insulin|adult onset", t, re.I
        )
        for t in full
    )
    quoted = engine.search(SearchRequest(query='"type 2 diabetes"', page_size=1000))
    assert "GSE182121" in {hit.accession for hit in quoted.hits}  # "... in Type 2 Diabetes ..."


def test_a_clinical_or_shorter_name_covers_the_concept(engine: SearchEngine) -> None:
    """A study of "esophageal squamous cell carcinoma" is an esophageal cancer study, and one of
    "anxiety" (MONDO's name of a subtype) covers "anxiety disorder": both are full matches."""
    cancer = engine.search(SearchRequest(query="Esophageal Cancer", page_size=1000))
    assert "GSE75241" in {h.accession for h in cancer.hits[: cancer.total]}
    anxiety = engine.search(SearchRequest(query="Anxiety disorder", page_size=1000))
    full = [_text(engine, h.accession) for h in anxiety.hits[: anxiety.total]]
    assert any(not re.search(r"disorder", t, re.I) for t in full)
    assert all(re.search(r"anxi|phobi|panic|obsessive|neuro|stress", t, re.I) for t in full)


def test_a_stored_hit_from_a_later_release_is_still_read() -> None:
    """Stored rows only gain keys (additive first): a key this release does not know is ignored."""
    hit = Hit.from_compact({"accession": "GSE1", "score": 1.0, "missing": ["rate"], "added_later": 1})
    assert (hit.accession, hit.missing) == ("GSE1", ["rate"])


def test_a_partial_match_row_is_read_by_the_previous_release() -> None:
    """The previous release builds ``Hit(**row["hit"])`` from stored rows: what a partial match
    misses sits beside the hit, so a rolling upgrade never hands it an unknown field."""
    from omics.search.presentation import compact_row

    previous_release_fields = {"accession", "score", "highlights", "reasons", "terms", "phrases", "also"}
    row = compact_row(Hit("GSE1", 1.0, terms=["kidney"], missing=["narwhal"]))
    assert set(row["hit"]) <= previous_release_fields
    assert row["missing"] == ["narwhal"]


def test_a_named_concept_is_its_words_together_not_scattered(engine: SearchEngine) -> None:
    """ "Multiple sclerosis" is one disease: a study of amyotrophic lateral sclerosis that tests
    "multiple cellular pathways" holds both words but is no full match; a list of tumours
    ("Vulvar, Cervical, Endometrial Carcinoma") still names cervical carcinoma."""
    outcome = engine.search(SearchRequest(query="Multiple sclerosis", page_size=1000))
    full = [h.accession for h in outcome.hits[: outcome.total]]
    partial = [h for h in outcome.hits[outcome.total :]]
    als = "GSE139900"  # "...amyotrophic lateral sclerosis... roles in multiple cellular pathways..."
    assert re.search(r"\bmultiple\b", _text(engine, als)) and re.search(r"\bsclerosis\b", _text(engine, als))
    assert als not in full
    assert [h.missing for h in partial if h.accession == als] == [["Multiple sclerosis"]]
    together = re.compile(r"multiple\W+(\w+\W+)?sclerosis|\bMS\b", re.I)
    assert full and all(together.search(_text(engine, a)) for a in full)
    cervical = engine.search(SearchRequest(query="Cervical cancer", page_size=1000))
    assert "GSE63678" in {h.accession for h in cervical.hits[: cervical.total]}


def test_a_disease_category_is_found_by_the_names_of_its_kinds(engine: SearchEngine) -> None:
    """A study of atrial fibrillation answers "arrhythmia" though it never says the word: the
    category's children are searched, and such a study is a full match."""
    outcome = engine.search(SearchRequest(query="Arrhythmia", page_size=100))
    full = [hit.accession for hit in outcome.hits[: outcome.total]]
    by_kind = [a for a in full if not re.search(r"arrhythmi", _text(engine, a), re.I)]
    assert "GSE235307" in by_kind  # "Gene expression and atrial fibrillation prediction"
    kinds = re.compile(r"fibrillation|tachycardia|cardiac arrest|heart block", re.I)
    assert all(kinds.search(_text(engine, a)) for a in by_kind)
    assert len(by_kind) < len(full)  # the series naming arrhythmia are there too


def test_a_partial_match_holding_more_of_the_words_ranks_above_one_repeating_one(fresh_engine) -> None:
    """Coverage (omics.search.ranking.coverage) scales a partial match's words' score by the
    share of the query's words it holds, on both backends: a record holding two of three words
    comes before one saying the third four times, which their summed BM25 alone puts first."""
    engine = fresh_engine()
    two, one = "GSE992041", "GSE992042"
    engine.add(
        [
            Series(accession=two, title="Zyxoquil quarnate atlas"),
            Series(accession=one, title="Plivet", summary="Plivet plivet plivet plivet."),
        ]
    )
    outcome = engine.search(SearchRequest(query="zyxoquil quarnate plivet"))
    ranked = [hit.accession for hit in outcome.hits]
    assert outcome.total == 0 and ranked == [two, one]
