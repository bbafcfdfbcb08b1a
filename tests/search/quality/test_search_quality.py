"""What expansion and query by example change for a user of the engine, on the real corpus."""

from __future__ import annotations

import re

import numpy as np
import pytest

from omics.search.engine import SearchEngine
from omics.search.presentation import result_view
from omics.search.ranking import corroborate
from omics.search.request import SearchFilters, SearchRequest
from omics.search.similarity import UnknownExampleError

# Real series of the shipped corpus (none of them in the evaluation judgments):
HEPATOMA_ONLY = "GSE18494"  # says "hepatoma" (HepG2 cells), never "hepatocellular carcinoma"
CARDIOMYOCYTES_ONLY = ("GSE79413", "GSE91383")  # say "cardiomyocytes", never "cardiac muscle cell"
METASTASIS_ONLY = ("GSE83132", "GSE150681")  # "leptomeningeal metastasis", never "neoplastic meningitis"
PSORIASIS = ("GSE57225", "GSE141804", "GSE146264", "GSE158448")  # examples for "more like these"


def engine_without_vocabulary(engine: SearchEngine) -> SearchEngine:
    """The same corpus and index with ontology expansion switched off."""
    return SearchEngine.open(engine.settings, engine.vocabulary.with_relations())


def accessions(engine: SearchEngine, request: SearchRequest) -> list[str]:
    return [hit.accession for hit in engine.search(request).hits]


def text_of(engine: SearchEngine, accession: str) -> str:
    record = engine.get(accession)
    assert record is not None
    return f"{record.title} {record.summary} {record.overall_design}"


@pytest.mark.parametrize(
    ("query", "only_synonym"),
    [
        ("hepatocellular carcinoma", (HEPATOMA_ONLY,)),
        ("cardiac muscle cell", CARDIOMYOCYTES_ONLY),
        ("neoplastic meningitis", METASTASIS_ONLY),
    ],
)
def test_synonym_finds_series_that_only_use_the_synonym(
    engine: SearchEngine, query: str, only_synonym: tuple[str, ...]
) -> None:
    for accession in only_synonym:
        assert not re.search(query, text_of(engine, accession), re.I)
    found = accessions(engine, SearchRequest(query=query))
    plain = accessions(engine_without_vocabulary(engine), SearchRequest(query=query))
    for accession in only_synonym:
        assert accession in found
        assert accession not in plain or found.index(accession) < plain.index(accession)


def test_the_user_sees_what_the_query_was_expanded_with(engine: SearchEngine) -> None:
    parsed = engine.search(SearchRequest(query="hepatocellular carcinoma")).parsed
    expansion = next(e for e in parsed["expansions"] if e["phrase"].lower() == "hepatoma")
    assert expansion["term_id"] == "MONDO:0007256"
    assert expansion["relation"] == "synonym"
    assert 0 < expansion["weight"] < 1


def test_a_synonym_match_ranks_below_the_same_words_matched_directly(engine: SearchEngine) -> None:
    hits = engine.search(SearchRequest(query="hepatocellular carcinoma", page_size=1000)).hits
    scores = {h.accession: h.score for h in hits}
    direct = [h.score for h in hits[:10]]
    assert scores[HEPATOMA_ONLY] < min(direct)


def test_apostrophes_and_plurals_find_the_same_series(engine: SearchEngine) -> None:
    first = accessions(engine, SearchRequest(query="Alzheimer's disease"))[:20]
    assert first == accessions(engine, SearchRequest(query="Alzheimers disease"))[:20]
    assert len(first) >= 5


def test_similar_to_ranks_the_examples_topic_first_and_excludes_them(engine: SearchEngine) -> None:
    outcome = engine.search(SearchRequest(similar_to=PSORIASIS, page_size=20))
    found = [h.accession for h in outcome.hits]
    assert not set(PSORIASIS) & set(found)
    on_topic = [a for a in found[:10] if re.search(r"psoria", text_of(engine, a), re.I)]
    assert len(on_topic) >= 6, found[:10]
    assert outcome.parsed["similar_to"]["examples"] == list(PSORIASIS)
    assert "psoriasis" in outcome.parsed["similar_to"]["terms"]
    assert {"id": "MONDO:0005083", "label": "psoriasis"} in outcome.parsed["similar_to"]["concepts"]


def test_filters_and_facets_apply_to_similar_to(engine: SearchEngine) -> None:
    filters = SearchFilters(organisms=("Mus musculus",), min_samples=10)
    outcome = engine.search(SearchRequest(similar_to=PSORIASIS, filters=filters, page_size=50))
    assert outcome.hits
    for hit in outcome.hits:
        record = engine.get(hit.accession)
        assert "Mus musculus" in record.organisms
        assert record.sample_count is not None and record.sample_count >= 10
    organism_facet = next(v for k, v in outcome.facets.items() if "organism" in k)
    assert organism_facet["Mus musculus"] == outcome.total


def test_text_and_examples_together_narrow_to_the_text(engine: SearchEngine) -> None:
    outcome = engine.search(SearchRequest(query="phototherapy", similar_to=PSORIASIS, page_size=50))
    assert outcome.hits
    for hit in outcome.hits:
        assert re.search(r"phototherap", text_of(engine, hit.accession), re.I)


def test_unknown_examples_raise_a_specific_error(engine: SearchEngine) -> None:
    with pytest.raises(UnknownExampleError) as raised:
        engine.search(SearchRequest(similar_to=(PSORIASIS[0], "GSE999999999")))
    assert raised.value.accessions == ["GSE999999999"]


def test_other_names_corroborate_the_users_words_without_outweighing_them() -> None:
    literal = np.array([0.0, 3.0, 3.0, 8.0], dtype=np.float32)  # the query's own words for the concept
    other = np.array([11.0, 11.0, 5.0, 2.0], dtype=np.float32)  # its best other name (synonym)
    total = literal + corroborate(literal, other)
    # Without the user's words a synonym earns its full credit; with them in passing, a
    # synonym-heavy record is worth what the synonym alone earns, not synonym plus words ...
    assert total.tolist() == [11.0, 11.0, 6.0, 10.0]
    # ... so it never gains by dropping the user's words, and full corroboration still adds up.
    assert all(total[1:] >= other[1:])


def test_more_datasets_like_an_accession_in_the_query_text_is_query_by_example(engine) -> None:
    """ "more datasets like GSE63741" ranks series like it (never itself); other words still apply."""
    example = engine.get("GSE63741")
    assert example is not None and "skin" in example.title.lower()
    outcome = engine.search(SearchRequest(query="more datasets like GSE63741"))
    assert outcome.parsed["similar_to"]["examples"] == ["GSE63741"]
    assert "GSE63741" not in [hit.accession for hit in outcome.hits]
    for hit in outcome.hits[:5]:
        text = f"{engine.get(hit.accession).title} {engine.get(hit.accession).summary}".lower()
        assert any(word in text for word in ("psoria", "dermatitis", "skin")), hit.accession
    in_mouse = engine.search(SearchRequest(query="datasets like GSE63741 in mouse"))
    assert in_mouse.total and all("Mus musculus" in engine.get(h.accession).organisms for h in in_mouse.hits)


def test_unknown_series_named_in_the_text_matches_nothing_and_says_why(engine) -> None:
    outcome = engine.search(SearchRequest(query="series like GSE99999999"))
    assert outcome.total == 0
    assert any("GSE99999999 is not in the corpus" in note for note in outcome.parsed["notes"])


def test_a_series_found_through_another_name_says_so_and_highlights_it(engine) -> None:
    """Searching "hepatoma" finds series that only say "hepatocellular carcinoma", and tells why."""
    outcome = engine.search(SearchRequest(query="hepatoma", page_size=10))
    for hit in outcome.hits[:10]:
        result = result_view(engine, hit)
        if "hepatoma" not in f"{result['title']} {result['summary']}".lower():
            assert 'also known as "hepatocellular carcinoma"' in result["reasons"]
            assert "<mark>" in result["highlights"]["title"] + result["highlights"]["summary"]
            return
    raise AssertionError("no synonym-only series in the first page")
