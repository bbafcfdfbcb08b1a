"""The corpus grows without a rebuild, the index survives restarts, searches run concurrently."""

from __future__ import annotations

import json
import threading

import pytest

from omics.search import index as index_module
from omics.search.request import SearchFilters, SearchRequest
from omics.search.series import Series
from tests.search.backends import bm25s_segments

NEW = Series(
    accession="GSE990000001",
    title="Axolotl limb blastema regeneration time course",
    summary="Transcriptomes of regenerating axolotl limbs sampled across blastema stages.",
    organisms=("Ambystoma mexicanum",),
    series_types=("Expression profiling by high throughput sequencing",),
    platforms=("GPL99999",),
    sample_count=24,
)


def top(engine, query: str) -> list[str]:
    return [h.accession for h in engine.search(SearchRequest(query=query)).hits]


def test_add_bumps_version_and_is_searchable_at_once(fresh_engine) -> None:
    engine = fresh_engine()
    before = engine.version
    assert "GSE990000001" not in top(engine, "axolotl blastema")
    assert engine.add([NEW]) == before + 1 == engine.version
    assert top(engine, "axolotl blastema")[0] == "GSE990000001"
    assert engine.get("GSE990000001") == NEW
    only_axolotl = SearchFilters(organisms=("Ambystoma mexicanum",))
    outcome = engine.search(SearchRequest(query="regeneration", filters=only_axolotl))
    assert [h.accession for h in outcome.hits] == ["GSE990000001"]
    assert outcome.corpus_version == engine.version


@bm25s_segments
def test_index_reloads_from_disk_instead_of_rebuilding(fresh_engine, monkeypatch) -> None:
    first = fresh_engine()
    first.add([NEW])
    manifest = json.loads((first.index_root / "manifest.json").read_text())
    assert [s["name"].split("-")[0] for s in manifest["segments"]] == ["main", "delta"]

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the index was rebuilt instead of loaded")

    monkeypatch.setattr(index_module.SegmentedIndex, "build", no_rebuild)
    again = fresh_engine()
    assert again.version == first.version
    assert top(again, "axolotl blastema")[0] == "GSE990000001"
    assert top(again, "Molecular portraits of human breast tumors")[0] == "GSE61"


def test_replacing_a_record_serves_the_new_version_only(fresh_engine) -> None:
    engine = fresh_engine()
    old = engine.get("GSE61")
    engine.add([Series(**{**old.to_dict(), "title": "Quokka mammary epithelium", "extra": {}})])
    assert engine.get("GSE61").title == "Quokka mammary epithelium"
    hits = top(engine, "mammary epithelium")
    assert hits.count("GSE61") == 1
    assert top(engine, "quokka")[:1] == ["GSE61"]


def test_delta_scores_use_corpus_wide_statistics(fresh_engine) -> None:
    """A new record about a common topic ranks by its text, not by its tiny delta segment."""
    engine = fresh_engine()
    twin = engine.get("GSE61")
    engine.add(
        [
            Series(
                accession="GSE990000002",
                title=twin.title,
                summary=twin.summary,
                organisms=twin.organisms,
                sample_count=twin.sample_count,
            )
        ]
    )
    hits = engine.search(SearchRequest(query=twin.title)).hits
    scores = {h.accession: h.score for h in hits[:5]}
    assert scores["GSE990000002"] == pytest.approx(scores["GSE61"], rel=0.3)


def test_concurrent_searches_while_adding(fresh_engine) -> None:
    engine = fresh_engine()
    errors: list[BaseException] = []

    def search_many() -> None:
        try:
            for _ in range(15):
                outcome = engine.search(SearchRequest(query="lung cancer"))
                assert outcome.total > 0
                assert sum(outcome.facets["sample_size"].values()) == outcome.total
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=search_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for n in range(3):
        engine.add([Series(accession=f"GSE99000010{n}", title=f"Lung cancer cohort {n}", sample_count=10)])
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert engine.version == 4


def test_another_process_additions_are_noticed(fresh_engine) -> None:
    """A web process sees what a worker process added to the same data directory, in its very
    next search (an ingestion reported complete is searchable at once)."""
    web, worker = fresh_engine(), fresh_engine()
    top(web, "axolotl blastema")  # the web process has just answered a search
    worker.add([NEW])
    assert top(web, "axolotl blastema")[0] == "GSE990000001"
    assert web.version == worker.version == 2


@bm25s_segments
def test_a_grown_delta_is_merged_into_the_main_segment(fresh_engine, monkeypatch) -> None:
    monkeypatch.setattr(index_module, "MERGE_MIN_DOCS", 1)
    monkeypatch.setattr(index_module, "MERGE_RATIO", 0.0)
    engine = fresh_engine()
    engine.add([NEW])  # one new record: a delta segment
    assert len(engine._snapshot.index.segments) == 2
    engine.add([Series(accession="GSE990000003", title="Axolotl tail regeneration", sample_count=4)])
    segments = engine._snapshot.index.segments  # two delta records exceed the limit: merged
    assert [(s.start, s.count) for s in segments] == [(0, 8093)]
    assert set(top(engine, "axolotl regeneration")[:2]) == {"GSE990000001", "GSE990000003"}


def test_an_add_that_crashed_midway_is_ignored_on_restart(fresh_engine) -> None:
    engine = fresh_engine()
    engine.add([NEW])
    added = engine.store.directory / "added.jsonl"
    with open(added, "a", encoding="utf-8") as handle:
        handle.write('{"accession": "GSE990000009", "title": "half-writ')  # no state update: never committed
    again = fresh_engine()
    assert again.version == 2 and again.get("GSE990000009") is None
    again.add([Series(accession="GSE990000004", title="Planarian neoblast atlas", sample_count=9)])
    assert fresh_engine().get("GSE990000004").title == "Planarian neoblast atlas"


def test_a_name_added_later_covers_a_record_only_where_its_words_stand_together(fresh_engine) -> None:
    together = Series(
        accession="GSE990000011",
        title="Axolotl Alzheimer's disease model",
        summary="Amyloid in regenerating axolotl brains.",
    )
    apart = Series(
        accession="GSE990000012",
        title="Axolotl Alzheimer cohort",
        summary="Regenerating axolotl brains; no other disease was studied in this colony.",
    )
    engine = fresh_engine()
    engine.add([together, apart])  # a delta segment, with its own word positions

    def missing(searched) -> dict[str, list[str]]:
        outcome = searched.search(SearchRequest(query="axolotl alzheimer disease"))
        return {
            h.accession: h.missing for h in outcome.hits if h.accession in ("GSE990000011", "GSE990000012")
        }

    assert missing(engine) == {"GSE990000011": [], "GSE990000012": ["alzheimer disease"]}
    assert missing(fresh_engine()) == missing(engine)  # as read back from disk
