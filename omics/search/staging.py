"""Records on their way into the corpus: staged on disk, indexed invisibly, then published.

An ingestion stages its records in ``<data_dir>/ingest/<id>/`` (never in the store), builds
index segments for them there in bounded batches (so memory does not grow with the size of
the sync), and only :meth:`SearchEngine.publish_staged` moves them into the corpus and the
index together. Until then no search, in any process, can see them; dropping the staging
directory undoes everything before publication.

Document ids of staged records are assigned from the corpus size when they are indexed
(``base``); publishing checks the corpus has not grown meanwhile, since the segments score
by document id.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from omics.search.index import FIELDS, FORMAT, Segment, write_atomically
from omics.search.loaders.corpus import write_jsonl
from omics.search.series import Series

SEGMENT_DOCS = 50_000  # records per staged index segment (bounds the memory of one build)
STAGE_BATCH = 5_000  # records written to the staged file at a time


class StagingConflict(Exception):
    """The corpus changed since the records were indexed: their document ids no longer fit."""


@dataclass(frozen=True)
class StageCounts:
    """What staging found: series new to the corpus, changed, unchanged, repeated in the input."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0


@dataclass(frozen=True)
class Publication:
    """A published ingestion: the version it replaced, the new one, and the new series."""

    previous_version: int
    version: int
    published: int
    new_accessions: tuple[str, ...]


@dataclass(frozen=True)
class PublicationPoint:
    """The committed corpus state and index manifest, as stored, before a publication."""

    state: str | None
    manifest: str | None


class StagingArea:
    """The files of one ingestion: raw batches, staged records, their segments, and a summary."""

    def __init__(self, data_dir: Path, ingestion_id: str) -> None:
        self.root = Path(data_dir) / "ingest" / ingestion_id
        self.raw_dir = self.root / "raw"
        self.records_path = self.root / "records.jsonl"
        self.segments_dir = self.root / "segments"
        self.summary_path = self.root / "staged.json"

    # -- raw batches -----------------------------------------------------------------
    def raw_path(self, number: int) -> Path:
        return self.raw_dir / f"batch-{number:06d}.json"

    def write_raw(self, number: int, document: dict[str, Any]) -> None:
        """Keep one fetched batch (atomically: a batch file is whole or absent)."""
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(self.raw_path(number), json.dumps(document))

    def raw_batches(self) -> Iterator[dict[str, Any]]:
        for path in sorted(self.raw_dir.glob("batch-*.json")):
            batch: dict[str, Any] = json.loads(path.read_text())
            yield batch

    # -- staged records ----------------------------------------------------------------
    def write_records(self, records: Iterable[Series]) -> None:
        """Write the staged records, STAGE_BATCH at a time (replacing an earlier attempt)."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.records_path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        batch: list[Series] = []
        for record in records:
            batch.append(record)
            if len(batch) >= STAGE_BATCH:
                write_jsonl(tmp, batch, append=True)
                batch = []
        write_jsonl(tmp, batch, append=True)
        os.replace(tmp, self.records_path)

    def write_summary(self, counts: StageCounts, new: list[str]) -> None:
        """What staging found, and which accessions are new to the corpus (alerts are for those)."""
        write_atomically(self.summary_path, json.dumps({"counts": asdict(counts), "new": new}))

    def records(self) -> Iterator[Series]:
        if not self.records_path.exists():
            return
        with open(self.records_path, encoding="utf-8") as lines:
            for line in lines:
                yield Series.from_dict(json.loads(line))

    def new_accessions(self) -> list[str]:
        summary = json.loads(self.summary_path.read_text()) if self.summary_path.exists() else {}
        return list(summary.get("new", []))

    # -- staged segments ---------------------------------------------------------------
    def build_segments(self, base: int) -> list[dict[str, Any]]:
        """Index the staged records as segments from document id ``base``, SEGMENT_DOCS at a time."""
        shutil.rmtree(self.segments_dir, ignore_errors=True)
        self.segments_dir.mkdir(parents=True)
        built: list[dict[str, Any]] = []
        batch: list[Series] = []

        def flush() -> None:
            start = base + sum(s["count"] for s in built)
            texts = {name: [r.indexed_text(name) for r in batch] for name in FIELDS}
            segment = Segment.build(f"seg-{self.root.name[:8]}-{len(built):04d}", start, texts)
            segment.save(self.segments_dir)
            built.append({"name": segment.name, "start": start, "count": segment.count})

        for record in self.records():
            batch.append(record)
            if len(batch) >= SEGMENT_DOCS:
                flush()
                batch = []
        if batch:
            flush()
        described = {"base": base, "segments": built, "format": FORMAT}
        write_atomically(self.segments_dir / "segments.json", json.dumps(described))
        return built

    def segments(self) -> tuple[int, list[dict[str, Any]]]:
        """``(base, segment descriptions)`` of the indexed staged records."""
        manifest = self._segments_manifest()
        return int(manifest["base"]), list(manifest["segments"])

    def _segments_manifest(self) -> dict[str, Any]:
        manifest: dict[str, Any] = json.loads((self.segments_dir / "segments.json").read_text())
        return manifest

    def move_segments_to(self, index_root: Path) -> list[Segment]:
        """Move the staged segments into the index directory (idempotent) and open them.

        Segments staged by a release of another index format (an ingestion that spanned a
        rolling upgrade) are built again from the staged records first: the index could not
        read them.
        """
        manifest = self._segments_manifest()
        described = list(manifest["segments"])
        moved = any((index_root / segment["name"]).exists() for segment in described)
        if manifest.get("format") != FORMAT and not moved:
            described = self.build_segments(int(manifest["base"]))
        opened = []
        for segment in described:
            source, target = self.segments_dir / segment["name"], index_root / segment["name"]
            if source.exists() and not target.exists():
                os.replace(source, target)
            opened.append(Segment.load(index_root, segment["name"], segment["start"], segment["count"]))
        return opened

    # -- undo --------------------------------------------------------------------------
    def drop(self, part: str | None = None) -> None:
        """Remove one part (``raw``, ``records``, ``segments``) or the whole staging directory."""
        match part:
            case "raw":
                shutil.rmtree(self.raw_dir, ignore_errors=True)
            case "records":
                self.records_path.unlink(missing_ok=True)
                self.summary_path.unlink(missing_ok=True)
            case "segments":
                shutil.rmtree(self.segments_dir, ignore_errors=True)
            case _:
                shutil.rmtree(self.root, ignore_errors=True)
