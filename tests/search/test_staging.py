"""Stage -> index -> publish moves records, index and version together; restore undoes it."""

from __future__ import annotations

import json
import shutil

import pytest

from omics.config import Settings
from omics.search import staging as staging_module
from omics.search.engine import SearchEngine
from omics.search.request import SearchRequest
from omics.search.series import Series
from omics.search.shared_engine import SharedIndexEngine
from omics.search.staging import StagingConflict
from tests.search.backends import bm25s_segments


def axolotl(number: int, **fields) -> Series:
    return Series(
        accession=f"GSE99200{number}",
        title=f"Axolotl spinal cord regeneration study {number}",
        sample_count=number,
        **fields,
    )


def top(engine, query: str) -> list[str]:
    return [hit.accession for hit in engine.search(SearchRequest(query=query)).hits]


def test_nothing_is_visible_until_publish_then_everywhere(fresh_engine, monkeypatch) -> None:
    monkeypatch.setattr(staging_module, "SEGMENT_DOCS", 2)  # three records: two segments
    worker, web = fresh_engine(), fresh_engine()
    gse61 = worker.get("GSE61")
    changed = Series(**{**gse61.to_dict(), "title": "Axolotl spinal cord regeneration atlas", "extra": {}})
    records = [axolotl(1), axolotl(2), axolotl(1), changed, worker.get("GSE59")]
    counts = worker.stage("saga-a", records)
    assert (counts.new, counts.updated, counts.unchanged, counts.duplicates) == (2, 1, 1, 1)
    assert worker.index_staged("saga-a") == 3
    assert "GSE992001" not in top(web, "axolotl spinal cord") and web.version == 1

    publication = worker.publish_staged("saga-a")
    assert (publication.previous_version, publication.version, publication.published) == (1, 2, 3)
    assert publication.new_accessions == ("GSE992001", "GSE992002")
    assert set(top(web, "axolotl spinal cord")[:3]) == {"GSE992001", "GSE992002", "GSE61"}
    assert web.version == 2
    if not isinstance(web, SharedIndexEngine):  # the bm25s engine publishes the staged segments as they are
        assert len(web._snapshot.index.segments) == 3
    again = fresh_engine()  # a restarted process loads the published segments, no rebuild
    assert again.get("GSE992002") == axolotl(2)


def test_restore_puts_back_records_index_and_version(fresh_engine, monkeypatch) -> None:
    worker, web = fresh_engine(), fresh_engine()
    before = top(web, "axolotl spinal cord")
    point = worker.publication_point()
    worker.stage("saga-b", [axolotl(3)])
    worker.index_staged("saga-b")
    worker.publish_staged("saga-b")
    assert top(web, "axolotl spinal cord")[0] == "GSE992003"

    assert worker.restore(point) == 1
    assert worker.restore(point) == 1  # idempotent
    assert top(web, "axolotl spinal cord") == before and web.version == 1
    restarted = fresh_engine()
    assert restarted.get("GSE992003") is None and restarted.version == 1
    # The rolled-back version number is never reused for other contents.
    restarted.stage("saga-c", [axolotl(4)])
    restarted.index_staged("saga-c")
    assert restarted.publish_staged("saga-c").version == 3


def test_publishing_over_a_grown_corpus_is_refused(fresh_engine) -> None:
    engine = fresh_engine()
    engine.stage("saga-d", [axolotl(5)])
    engine.index_staged("saga-d")
    engine.add([axolotl(6)])
    with pytest.raises(StagingConflict):
        engine.publish_staged("saga-d")
    assert engine.get("GSE992005") is None


def test_a_rerun_with_nothing_new_publishes_nothing(fresh_engine) -> None:
    engine = fresh_engine()
    engine.stage("saga-e", [engine.get("GSE61")])
    engine.index_staged("saga-e")
    assert engine.publish_staged("saga-e").published == 0 and engine.version == 1


def test_an_ingested_superseries_is_indexed_as_one_added_directly(fresh_engine, tmp_path) -> None:
    """A SuperSeries with only GEO's fixed summary is read by its title (Series.indexed_text),
    whichever way it enters the index; staged segments read the raw summary before."""
    superseries = axolotl(7, summary="This SuperSeries is composed of the SubSeries listed below.")
    ingested = fresh_engine()
    other = tmp_path / "other"
    other.mkdir()
    for cached in ingested.settings.data_dir.glob("vocabulary-*"):
        shutil.copy(cached, other / cached.name)
    added = SearchEngine.open(Settings(data_dir=other))
    added.add([superseries])
    ingested.stage("saga-s", [superseries])
    ingested.index_staged("saga-s")
    assert ingested.publish_staged("saga-s").published == 1

    def score(engine: SearchEngine) -> float:
        hits = engine.search(SearchRequest(query="axolotl spinal cord regeneration")).hits
        return next(hit.score for hit in hits if hit.accession == superseries.accession)

    assert score(ingested) == score(added)


@bm25s_segments
def test_segments_staged_by_a_release_of_another_index_format_are_rebuilt_at_publish(fresh_engine) -> None:
    """An ingestion that spans a rolling upgrade: the new release publishes what the old staged."""
    engine = fresh_engine()
    engine.stage("saga-u", [axolotl(8), axolotl(9)])
    engine.index_staged("saga-u")
    area = engine.staging("saga-u")
    manifest = json.loads((area.segments_dir / "segments.json").read_text())
    manifest.pop("format")  # as the previous release wrote it, and without word positions
    (area.segments_dir / "segments.json").write_text(json.dumps(manifest))
    for segment in manifest["segments"]:
        shutil.rmtree(area.segments_dir / segment["name"] / "positions")

    assert engine.publish_staged("saga-u").published == 2
    assert top(engine, '"spinal cord regeneration study 8"')[0] == "GSE992008"
    assert top(fresh_engine(), '"spinal cord regeneration study 9"')[0] == "GSE992009"
