"""The engine on the shared tantivy index (OMICS_INDEX_BACKEND=tantivy) answers as the bm25s engine
does, and its ingestion seam keeps staged records hidden until publish, in every process."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import tantivy

from omics.config import Settings
from omics.search import engine as engine_module
from omics.search import shared_engine
from omics.search.engine import SearchEngine
from omics.search.highlight import PhraseTest, QueryTerms
from omics.search.index import SegmentedIndex
from omics.search.ranking import FIELD_WEIGHTS, PHRASE_CHECK_BUDGET, phrases_of, proximity_bonus, query_stems
from omics.search.request import SearchFilters, SearchRequest
from omics.search.series import Series
from omics.search.shared_engine import SharedIndexEngine
from omics.search.shared_index import SharedQuery, queries, retrieval
from omics.search.shared_index.facets import facet_counts
from omics.search.shared_index.queries import OtherName
from omics.search.shared_index.rerank import bonus_of, flags, proximity_tests

REPO = Path(__file__).resolve().parents[2]


def _settings(target: Path, data_dir: Path) -> Settings:
    """A private data directory with the session's cached ontology lexicon (not rebuilt per test)."""
    target.mkdir(parents=True, exist_ok=True)
    for cached in data_dir.glob("vocabulary-*"):
        shutil.copy(cached, target / cached.name)
    return Settings(data_dir=target, index_backend="tantivy")


@pytest.fixture(scope="module")
def shared(tmp_path_factory, engine: SearchEngine, data_dir: Path) -> SearchEngine:
    engine.search(SearchRequest(query="warm up the vocabulary"))
    return SearchEngine.open(_settings(tmp_path_factory.mktemp("shared"), data_dir))


@pytest.fixture
def fresh_shared(tmp_path: Path, engine: SearchEngine, data_dir: Path) -> Callable[[], SearchEngine]:
    engine.search(SearchRequest(query="warm up the vocabulary"))
    settings = _settings(tmp_path / "data", data_dir)
    return lambda: SearchEngine.open(settings)


def top(engine: SearchEngine, query: str) -> list[str]:
    return [hit.accession for hit in engine.search(SearchRequest(query=query)).hits]


def full(engine: SearchEngine, query: str) -> list[str]:
    """The series matching every word of ``query`` (partial matches left out)."""
    outcome = engine.search(SearchRequest(query=query))
    return [hit.accession for hit in outcome.hits[: outcome.total]]


def test_the_setting_selects_the_backend(shared) -> None:
    assert isinstance(shared, SharedIndexEngine)
    with pytest.raises(ValueError, match="OMICS_INDEX_BACKEND"):
        SearchEngine.open(Settings(data_dir=Path("unused"), index_backend="lucene"))


QUERIES = [
    ("breast cancer", SearchFilters()),
    ('"single cell" tumor microenvironment', SearchFilters()),
    ("colorectal cancer -mouse", SearchFilters()),
    ("psoriasis skin at least 20 samples", SearchFilters()),
    ("alzheimer disease hippocampus", SearchFilters()),
    ("mouse liver RNA-seq", SearchFilters()),
    ("", SearchFilters(organisms=("homo sapiens",), min_samples=100, submitted_after="2015-01-01")),
    ("GSE2034", SearchFilters()),
    ("GSM12345", SearchFilters()),  # a sample is not looked up: nothing, not everything
    ("hepatitis liver", SearchFilters()),  # the engine's own stems ("hepatiti", not "hepat")
    ("multiple sclerosis", SearchFilters()),  # a recognised name's words stand together
    ("esophageal cancer", SearchFilters()),  # ... with room for the histology in "carcinoma" forms
    ("Type 1 Diabetes", SearchFilters()),  # a word the index does not see: "type 2 diabetes" is not it
    ("B-cell lymphoma", SearchFilters()),
    ("T cell exhaustion", SearchFilters()),
]


@pytest.mark.parametrize(("query", "filters"), QUERIES)
def test_counts_and_facets_equal_the_bm25s_engines(shared, engine, query, filters) -> None:
    request = SearchRequest(query=query, filters=filters)
    ours, theirs = shared.search(request), engine.search(request)
    assert ours.total + ours.total_partial == theirs.total + theirs.total_partial
    if theirs.total + theirs.total_partial > PHRASE_CHECK_BUDGET:
        # The bm25s engine reads the text of only its best PHRASE_CHECK_BUDGET candidates to
        # check that a name's words stand together, and counts the rest as holding it; the
        # index checks every record's positions, so its full matches are fewer, never more.
        assert theirs.total * 0.98 <= ours.total <= theirs.total
        return
    assert (ours.total, ours.total_partial) == (theirs.total, theirs.total_partial)
    assert ours.facets["organism"] == theirs.facets["organism"]
    assert ours.facets["sample_size"] == theirs.facets["sample_size"]
    ours_platforms, theirs_platforms = ours.facets["platform"], theirs.facets["platform"]
    assert sorted(ours_platforms.values()) == sorted(theirs_platforms.values())  # ties at the cut may differ
    assert all(ours_platforms[p] == n for p, n in theirs_platforms.items() if p in ours_platforms)
    if theirs.total + theirs.total_partial <= len(theirs.hits):  # every match ranked: the same ones
        assert {h.accession for h in ours.hits} == {h.accession for h in theirs.hits}


def test_words_together_earn_the_engines_phrase_and_proximity_bonus(fresh_shared) -> None:
    engine = fresh_shared()
    titles = {
        "GSE992011": "Zyxoquil kidney fibrosis atlas",  # the words as typed
        "GSE992012": "Zyxoquil adult kidney and lung fibrosis",  # within three words of each other
        "GSE992013": "Fibrosis in the zyxoquil: a kidney study",  # apart, out of order
        "GSE992014": "Zyxoquil kidney fibrosis",  # the query is the title (a known item)
    }
    engine.add(Series(accession=a, title=t) for a, t in titles.items())
    pool = [engine.store.doc_id(a) for a in titles]
    stems = query_stems("zyxoquil kidney fibrosis")
    title_stems = [len(set(query_stems(t))) for t in titles.values()]
    searcher, schema = engine.shared.searcher(), engine.shared.index.schema
    passed = flags(searcher, schema, list(titles), proximity_tests(searcher.doc_freq, schema, stems))
    bonus = bonus_of([passed.get(doc, 0) for doc in pool], title_stems, stems)
    assert bonus.tolist() == pytest.approx([1.15, 1.05, 1.0, 2.15])
    assert full(engine, "zyxoquil kidney fibrosis")[:2] == ["GSE992014", "GSE992011"]


def test_a_pasted_title_with_a_stop_word_between_its_words_is_the_known_item(shared) -> None:
    """The engine's exact test allows a stop word in any gap; a phrase slop of one did not always
    (tantivy, five words with "of" after the second), so the title searched for lost its
    known-item bonus. The bonus is the bm25s engine's, from the same record."""
    record = shared.get("GSE125058")  # "Xenograft tumors of neuroblastoma cell lines"
    stems = query_stems(record.title)
    searcher, schema = shared.shared.searcher(), shared.shared.index.schema
    passed = flags(searcher, schema, [record.accession], proximity_tests(searcher.doc_freq, schema, stems))
    bonus = bonus_of([passed.get(shared.store.doc_id(record.accession), 0)], [len(stems)], stems)
    expected = proximity_bonus([record], QueryTerms.from_text(record.title, []))
    assert bonus.tolist() == pytest.approx(expected.tolist()) and bonus[0] > 2


def test_a_bracketed_query_earns_the_engines_bonus_for_each_name_and_its_title_alone(fresh_shared) -> None:
    """ "Zyxoquil kidney fibrosis (ZKF)": the phrase tests look for each name of more than one word
    (omics.search.ranking.phrases_of), the known-item test for the whole query, so a title
    holding the name with another word of the same stem count is no known item. The bonus is
    the bm25s engine's, from the same records."""
    engine = fresh_shared()
    titles = {
        "GSE992021": "Zyxoquil kidney fibrosis (ZKF)",  # the query is the title (a known item)
        "GSE992022": "Zyxoquil kidney fibrosis atlas",  # the name, as many stems as the query
        "GSE992023": "Zyxoquil adult kidney and lung fibrosis",  # the name's words near each other
    }
    records = [Series(accession=a, title=t) for a, t in titles.items()]
    engine.add(records)
    query = "Zyxoquil kidney fibrosis (ZKF)"
    terms, stems = QueryTerms.from_text(query), query_stems(query)
    phrases = [query_stems(name) for name in phrases_of(terms)]
    searcher, schema = engine.shared.searcher(), engine.shared.index.schema
    tests = proximity_tests(searcher.doc_freq, schema, stems, phrases)
    passed = flags(searcher, schema, list(titles), tests)
    pool = [engine.store.doc_id(a) for a in titles]
    title_stems = [len(set(query_stems(t))) for t in titles.values()]
    bonus = bonus_of([passed.get(doc, 0) for doc in pool], title_stems, stems, len(tests))
    expected = proximity_bonus(records, terms)
    assert expected.tolist() == pytest.approx([2.15, 1.15, 1.05])
    assert bonus.tolist() == pytest.approx(expected.tolist())


@pytest.mark.parametrize("sort", ["newest", "sample_count"])
def test_sorted_searches_list_what_the_bm25s_engine_lists(shared, engine, sort) -> None:
    request = SearchRequest(query="liver fibrosis", sort=sort)  # fewer matches than MAX_HITS
    ours, theirs = shared.search(request), engine.search(request)
    assert {h.accession for h in ours.hits} == {h.accession for h in theirs.hits}
    key = {"newest": "submission_date", "sample_count": "sample_count"}[sort]
    full = [getattr(shared.get(h.accession), key) or 0 for h in ours.hits[: ours.total]]
    assert full == sorted(full, reverse=True)  # ties by score, which the backends compute apart


def test_phrases_exclusions_and_filters_hold_for_every_hit(shared) -> None:
    held = PhraseTest("single cell")
    outcome = shared.search(SearchRequest(query='"single cell" tumor'))
    assert outcome.total > 10
    for hit in outcome.hits:
        record = shared.get(hit.accession)
        assert any(held(text) for text in (record.title, record.summary, record.overall_design))
    for hit in shared.search(SearchRequest(query="liver -mouse")).hits:
        record = shared.get(hit.accession)
        assert "mouse" not in f"{record.title} {record.summary} {record.overall_design}".lower()
    filters = SearchFilters(organisms=("Mus musculus",), max_samples=12)
    filtered = shared.search(SearchRequest(query="liver", filters=filters))
    assert filtered.total > 0
    for hit in filtered.hits:
        record = shared.get(hit.accession)
        assert "Mus musculus" in record.organisms and record.sample_count is not None
        assert record.sample_count <= 12


def test_the_first_page_is_explained(shared) -> None:
    outcome = shared.search(SearchRequest(query="rheumatoid arthritis synovium", page_size=5))
    assert all("<mark>" in "".join(hit.highlights.values()) for hit in outcome.hits[:5])
    partial = [hit for hit in outcome.hits if hit.missing]
    assert outcome.total_partial and partial  # partial matches say what they miss
    assert partial[0].missing[0] in ("rheumatoid arthritis", "synovium")


def axolotl(number: int, samples: tuple[tuple[str, str], ...] = ()) -> Series:
    return Series(
        accession=f"GSE99200{number}",
        title=f"Zyxoquil spinal cord regeneration study {number}",  # a word no shipped record has
        sample_count=number,
        samples=samples,
    )


def _documents(engine: SearchEngine, field: str, value: object) -> int:
    assert isinstance(engine, SharedIndexEngine)
    engine.shared.reload()
    searcher = engine.shared.searcher()
    query = tantivy.Query.term_query(engine.shared.index.schema, field, value)
    return int(searcher.search(query, 1, count=True).count)


def test_few_full_matches_are_counted_by_name_as_by_their_query(fresh_shared, monkeypatch) -> None:
    """Full matches all among the ranked hits are counted and faceted by their accessions: the
    same answer as the concepts' query, and a staged (hidden) version of a record is not counted."""
    engine = fresh_shared()
    engine.add([axolotl(1), axolotl(2)])
    engine.stage("saga-a", [replace(axolotl(1), sample_count=500, organisms=("Mus musculus",))])
    engine.index_staged("saga-a")
    assert _documents(engine, "accession", "GSE992001") == 2  # the published record and the staged one
    request = SearchRequest(query="zyxoquil spinal cord")
    by_name = engine.search(request)
    monkeypatch.setattr(retrieval, "FACETS_BY_NAME", 0)  # the concepts' query instead
    by_query = engine.search(request)
    assert (by_name.total, by_name.facets) == (by_query.total, by_query.facets)
    assert by_name.total == 2 and by_name.facets["sample_size"]["0-9"] == 2
    assert "Mus musculus" not in by_name.facets["organism"]


@pytest.mark.parametrize("query", ["heart failure", "t cell exhaustion", "type 2 diabetes islets"])
def test_the_bonus_tests_over_the_whole_index_rank_as_over_the_pool(shared, monkeypatch, query) -> None:
    """Where the bonus's words are rare, its tests look at the whole index instead of the pool
    looked up by accession: the same scores, order and missing concepts."""
    request = SearchRequest(query=query)

    def ranked() -> list[tuple[str, float, list[str]]]:
        return [(hit.accession, hit.score, hit.missing) for hit in shared.search(request).hits]

    monkeypatch.setattr(retrieval, "ANYWHERE_PER_MEMBER", 10**6)
    anywhere = ranked()
    monkeypatch.setattr(retrieval, "ANYWHERE_PER_MEMBER", 0)
    assert anywhere == ranked() and anywhere


@pytest.mark.parametrize("query", ["breast cancer", "heart failure", "asthma airway epithelium", "leukemia"])
def test_other_names_credit_read_alone_ranks_as_read_among_the_hits(shared, monkeypatch, query) -> None:
    """An other names' credit matching few records is read over all of them and the ranked hits
    picked out, instead of among the ranked hits looked up by accession: the same scores and order."""
    request = SearchRequest(query=query, filters=SearchFilters(organisms=("Homo sapiens",)))
    among: list[int] = []
    original = retrieval._scores_of

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        among.append(1)
        return original(*args, **kwargs)

    def ranked() -> list[tuple[str, float]]:
        return [(hit.accession, hit.score) for hit in shared.search(request).hits]

    monkeypatch.setattr(retrieval, "_scores_of", counted)
    monkeypatch.setattr(retrieval, "CREDIT_ALONE", 1)  # any credit held by two or more: looked up
    looked_up = ranked()
    concepts = len(shared.search(request).parsed["concepts"])
    monkeypatch.setattr(retrieval, "CREDIT_ALONE", 10**6)
    among.clear()
    assert looked_up == ranked() and looked_up
    assert len(among) <= concepts  # only the holders' own words, per concept credited


def test_a_credit_surely_earned_widely_is_looked_up_among_the_hits_at_once(monkeypatch) -> None:
    """A name of one word held by more records than are read alone: no first reading alone."""
    monkeypatch.setattr(retrieval, "CREDIT_ALONE", 100)
    counts = {"tumour": 150, "neoplasm": 80}

    def doc_freq(_field: str, stem: str) -> int:
        return counts.get(stem, 0)

    def names(*stems: tuple[str, ...], unheld: tuple[str, ...] = ()) -> list[OtherName]:
        return [OtherName(words, 1.0, ("tumor",), unheld=unheld) for words in stems]

    assert retrieval._credited_widely(doc_freq, names(("tumour",), ("neoplasm",)), FIELD_WEIGHTS)
    assert not retrieval._credited_widely(
        doc_freq, names(("neoplasm",), ("tumour", "neoplasm")), FIELD_WEIGHTS
    )
    unheld = tuple(f"GSE{n}" for n in range(60))  # read and found not to hold it: 90 left at least
    assert not retrieval._credited_widely(doc_freq, names(("tumour",), unheld=unheld), FIELD_WEIGHTS)


def test_staged_records_are_hidden_until_publish_and_gone_after_compensation(
    fresh_shared, monkeypatch
) -> None:
    worker, web = fresh_shared(), fresh_shared()
    worker.stage("saga-a", [axolotl(1), axolotl(2)])
    assert worker.index_staged("saga-a") == 2
    assert _documents(web, "accession", "GSE992001") == 1  # committed to the index ...
    assert "GSE992001" not in top(web, "zyxoquil spinal cord regeneration")  # ... but hidden from searches
    assert web.search(SearchRequest(query="zyxoquil")).total == 0

    worker.staging("saga-a").drop("segments")  # the index step's compensation
    assert _documents(web, "accession", "GSE992001") == 0
    assert worker.publish_staged("saga-a").published == 0

    worker.stage("saga-b", [axolotl(3)])
    worker.index_staged("saga-b")
    publication = worker.publish_staged("saga-b")
    assert publication.published == 1 and publication.version == 2
    assert full(web, "zyxoquil spinal cord") == ["GSE992003"] and web.version == 2


def test_a_publish_in_one_process_is_seen_by_another(fresh_shared, tmp_path) -> None:
    worker = fresh_shared()
    worker.stage("saga-c", [axolotl(4)])
    worker.index_staged("saga-c")
    reader = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from omics.config import Settings
        from omics.search.engine import SearchEngine
        from omics.search.request import SearchRequest
        settings = Settings(data_dir=Path({str(worker.settings.data_dir)!r}), index_backend="tantivy")
        engine = SearchEngine.open(settings)
        for _ in range(2):
            print(engine.search(SearchRequest(query="zyxoquil")).total, flush=True)
            sys.stdin.readline()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", reader], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "0"
    worker.publish_staged("saga-c")
    child.stdin.write("\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "1"
    child.stdin.write("\n")
    child.stdin.close()
    assert child.wait(timeout=60) == 0


def test_restore_takes_back_a_publication_and_revives_what_it_replaced(fresh_shared, monkeypatch) -> None:
    worker, web = fresh_shared(), fresh_shared()
    gse61 = worker.get("GSE61")
    before = top(web, gse61.title)[:3]
    point = worker.publication_point()
    changed = Series(**{**gse61.to_dict(), "title": "Zyxoquil spinal cord regeneration atlas", "extra": {}})
    worker.stage("saga-d", [axolotl(5), changed])
    worker.index_staged("saga-d")
    worker.publish_staged("saga-d")
    assert set(full(web, "zyxoquil spinal cord")) == {"GSE992005", "GSE61"}
    assert web.search(SearchRequest(query="GSE61")).total == 1  # the old version is gone

    assert worker.restore(point) == 1
    assert full(web, "zyxoquil spinal cord") == [] and web.version == 1
    assert top(web, gse61.title)[:3] == before


def test_samples_are_documents_of_their_own_and_their_text_finds_the_series(fresh_shared) -> None:
    engine = fresh_shared()
    engine.add([axolotl(6, samples=(("GSM9000001", "blastema day 7 tail amputation"),))])
    assert full(engine, "blastema tail amputation") == ["GSE992006"]
    assert _documents(engine, "kind", "sample") == 1
    assert _documents(engine, "series", "GSE992006") == 1


@pytest.mark.parametrize(
    "query",
    # "type 2 diabetes adipose": two human series hold the name itself, not only its indexed words
    ["breast cancer", "multiple sclerosis", "type 2 diabetes adipose", "esophageal cancer", "liver -mouse"],
)
def test_full_matches_counted_without_the_ranked_words_are_the_same(shared, monkeypatch, query) -> None:
    """Where covering the concepts implies a ranked word, the count leaves the words' union out."""
    asked: list[SharedQuery] = []
    original = shared_engine.retrieve

    def keep(index, ask, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(ask)
        return original(index, ask, *args, **kwargs)

    monkeypatch.setattr(shared_engine, "retrieve", keep)
    shared.search(SearchRequest(query=query, filters=SearchFilters(organisms=("Homo sapiens",))))
    ask, schema, searcher = asked[0], shared.shared.index.schema, shared.shared.searcher()
    assert queries.implies_ranked(ask, FIELD_WEIGHTS)
    restricted = queries.restrictions(schema, ask, [])
    cover = queries.covering(schema, queries.concept_queries(schema, ask))
    assert cover is not None
    whole = [
        (tantivy.Occur.Must, queries.matching(schema, ask, queries.ranked(schema, ask, FIELD_WEIGHTS))),
        *restricted,
    ]
    with_words = facet_counts(searcher, tantivy.Query.boolean_query([*whole, (tantivy.Occur.Must, cover)]))
    without = facet_counts(searcher, tantivy.Query.boolean_query([(tantivy.Occur.Must, cover), *restricted]))
    assert with_words == without and with_words[0] > 0


def test_a_concept_named_only_by_words_no_ranked_term_holds_is_counted_with_them() -> None:
    lay = SharedQuery(
        weights={"cancer": 1.0}, concepts=[[([(0, "cancer")], None), ([(0, "carcinoma")], None)]]
    )
    assert not queries.implies_ranked(lay, FIELD_WEIGHTS)  # "carcinoma" alone matches no ranked word
    named = SharedQuery(
        weights={"cancer": 1.0}, names=[OtherName(["carcinoma"], 0.7, ["cancer"])], concepts=lay.concepts
    )
    assert not queries.implies_ranked(named, FIELD_WEIGHTS)  # anywhere is not the searched exact phrase
    exact = SharedQuery(
        weights={"cancer": 1.0},
        names=[OtherName(["carcinoma"], 0.7, ["cancer"])],
        concepts=[[([(0, "carcinoma")], 1)]],
    )
    assert queries.implies_ranked(exact, FIELD_WEIGHTS)


def test_term_statistics_are_remembered_only_until_the_index_changes(fresh_shared) -> None:
    engine = fresh_shared()
    assert isinstance(engine, SharedIndexEngine)
    assert engine.shared.doc_freq("title", "zyxoquil") == 0  # remembered for this snapshot
    engine.add([axolotl(1)])
    assert engine.shared.doc_freq("title", "zyxoquil") == 1
    assert full(engine, "zyxoquil") == ["GSE992001"]


@pytest.mark.parametrize("query", ["neuroblastma", "rheumatoid arthritus synovium", "alzhiemer brain"])
def test_a_misspelled_word_is_corrected_as_the_bm25s_engine_corrects_it(shared, engine, query) -> None:
    on_shared, on_bm25s = shared.search(SearchRequest(query=query)), engine.search(SearchRequest(query=query))
    assert on_shared.parsed["did_you_mean"] == on_bm25s.parsed["did_you_mean"] != query
    assert on_shared.parsed["spelling"] == on_bm25s.parsed["spelling"]
    assert on_shared.parsed["free_text"] == on_shared.parsed["did_you_mean"]
    assert on_shared.total == shared.search(SearchRequest(query=on_shared.parsed["did_you_mean"])).total > 0


def test_a_word_only_a_new_record_holds_is_no_longer_corrected(fresh_shared) -> None:
    engine = fresh_shared()
    assert engine.search(SearchRequest(query="neuroblastma")).parsed["did_you_mean"] == "neuroblastoma"
    engine.add([axolotl(1, (("GSM1", "neuroblastma of the limb"),))])
    outcome = engine.search(SearchRequest(query="neuroblastma"))
    assert "did_you_mean" not in outcome.parsed and [h.accession for h in outcome.hits] == ["GSE992001"]


def test_examples_beside_words_rank_only_what_the_words_match(shared, engine) -> None:
    examples = tuple(h.accession for h in engine.search(SearchRequest(query="psoriasis skin")).hits[:3])
    request = SearchRequest(query="phototherapy", similar_to=examples, page_size=100)
    ours, theirs = shared.search(request), engine.search(request)
    assert (ours.total, ours.total_partial) == (theirs.total, theirs.total_partial) != (0, 0)
    words_only = {h.accession for h in shared.search(SearchRequest(query="phototherapy", page_size=100)).hits}
    assert {h.accession for h in ours.hits} <= words_only


@pytest.mark.parametrize("backend", ["tantivy", "bm25s"])
def test_a_publication_while_a_process_opens_the_corpus_is_kept(
    tmp_path: Path, engine: SearchEngine, data_dir: Path, monkeypatch, backend: str
) -> None:
    """A web process reloading while a worker publishes: reading the store and then opening its
    index must not find the index of a newer corpus state and rebuild it from older records."""
    engine.search(SearchRequest(query="warm up the vocabulary"))
    settings = dataclasses.replace(_settings(tmp_path / "data", data_dir), index_backend=backend)
    worker = SearchEngine.open(settings)
    worker.stage("saga-x", [axolotl(5)])
    worker.index_staged("saga-x")
    module = shared_engine if backend == "tantivy" else engine_module
    read_store, publishing = module.CorpusStore, []

    def publish_once_read(*args, **kwargs):  # the worker publishes between the two steps
        store = read_store(*args, **kwargs)
        if not publishing:
            publishing.append(threading.Thread(target=worker.publish_staged, args=("saga-x",)))
            publishing[0].start()
            publishing[0].join(timeout=1.0)
        return store

    shared_build = (shared_engine.SharedIndex, "_build")
    builder, build = shared_build if backend == "tantivy" else (SegmentedIndex, "build")
    builds: list[int] = []
    original_build = getattr(builder, build).__func__

    def counted_build(cls, *args, **kwargs):
        builds.append(1)
        return original_build(cls, *args, **kwargs)

    monkeypatch.setattr(module, "CorpusStore", publish_once_read)
    monkeypatch.setattr(builder, build, classmethod(counted_build))
    web = SearchEngine.open(settings)
    publishing[0].join()
    monkeypatch.undo()

    assert not builds  # the index was not rebuilt from the records the web process had read
    assert full(worker, "zyxoquil spinal cord") == ["GSE992005"]
    assert full(web, "zyxoquil spinal cord") == ["GSE992005"]  # once it sees the publication


def test_a_search_whose_index_is_ahead_of_its_store_answers_from_what_the_store_holds(
    fresh_shared, monkeypatch
) -> None:
    """tantivy's reader follows commits on its own, so a search may see documents another
    process published before this process has reloaded its store: they wait for that reload."""
    web, worker = fresh_shared(), fresh_shared()
    monkeypatch.setattr(web, "_refresh_if_stale", lambda: None)  # published just after its check
    worker.add([axolotl(6)])
    web.shared.reload()  # what tantivy's reader does by itself shortly after a commit

    assert "GSE992006" not in top(web, "zyxoquil spinal cord")  # its store cannot name it yet
    monkeypatch.undo()  # the next search checks, and reloads
    assert full(web, "zyxoquil spinal cord") == ["GSE992006"]


def test_another_name_corroborates_the_users_words_rather_than_adding_to_them(fresh_shared) -> None:
    """As the bm25s engine credits it (omics.search.ranking.corroborate): a record naming the
    concept mostly by another name earns what that name earns alone, though its design also
    names it once the user's way; added, the two would put it above the record naming it only
    the other way."""
    engine = fresh_shared()
    both, other_only = "GSE992021", "GSE992022"
    engine.add(
        Series(
            accession=accession,
            title="Trisomy 21 fibroblasts: trisomy 21 and euploid lines",
            summary="Trisomy 21 fibroblast lines, trisomy 21 stem cells and their euploid siblings.",
            overall_design=f"Fibroblasts of donors with {condition} and their siblings, grown in culture "
            "for ten passages before total RNA was extracted and sequenced on one lane.",
        )
        for accession, condition in ((both, "Down syndrome"), (other_only, "zyxoquil marks"))
    )
    outcome = engine.search(SearchRequest(query="Down syndrome", page_size=500))
    scores = {hit.accession: hit.score for hit in outcome.hits}
    assert scores[both] == pytest.approx(scores[other_only], rel=1e-3)


def test_other_names_are_held_where_the_bm25s_engine_holds_them(fresh_shared) -> None:
    """An other name of a concept covers it where its words stand as the engine's exact test
    reads a phrase (omics.search.highlight.PhraseTest): with the name's own stop words between
    them ("carcinoma of the urinary bladder", whose stop words leave gaps in the index), or one
    more stop word ("Crohn's and colitis" holds "Crohn colitis"), but not another word
    ("Crohn granulomatous colitis", which the index alone cannot tell apart: read)."""
    engine = fresh_shared()
    titles = {
        "GSE992031": "Zyxoquil carcinoma of the urinary bladder cohort",
        "GSE992032": "Zyxoquil urinary bladder biopsies of lung carcinoma",
        "GSE992033": "Zyxoquil Crohn's and colitis registry",
        "GSE992034": "Zyxoquil Crohn granulomatous colitis registry",
    }
    engine.add(Series(accession=accession, title=title) for accession, title in titles.items())
    assert full(engine, "zyxoquil bladder cancer") == ["GSE992031"]
    assert full(engine, "zyxoquil Crohn's disease") == ["GSE992033"]
