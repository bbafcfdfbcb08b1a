"""The corpus store: every known series, addressable by document id and accession, with a version.

Document ids are positions in an append-only list, so the index (which scores by document id)
never has to renumber. The shipped corpus is read from its JSONL file; records added later are
appended to ``<data_dir>/corpus/added.jsonl`` and survive restarts. A record added again under
an existing accession supersedes the old one: the new document id becomes current and the old
one is no longer *live* (searches drop it).

The version starts at 1 and goes up with every add, and is persisted with the added records:
caches key on it, so a new version invalidates every cached search at once. ``state.json`` is
the commit point (written last, atomically); a publication that is rolled back restores the
previous state, while ``high_water`` remembers the highest version ever published so a version
number is never reused for different contents (a cache entry of it could never be stale).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np

from omics.search.loaders.corpus import read_jsonl, write_jsonl
from omics.search.locking import exclusive
from omics.search.mapped_records import MappedRecords, RecordList, plain_copy
from omics.search.series import Series

STATE = "state.json"
ADDED = "added.jsonl"
WRITERS_LOCK = ".store.lock"


def fingerprint_prefix(corpus_path: Path, version: int) -> str:
    """The part of a store's fingerprint known without reading its records (file and version)."""
    stat = corpus_path.stat()
    return f"{corpus_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|v{version}"


def store_writers(data_dir: Path) -> AbstractContextManager[None]:
    """The lock held from an add's first appended line to its commit (and while a store opens)."""
    return exclusive(Path(data_dir) / "corpus", WRITERS_LOCK)


def disk_version(data_dir: Path) -> int:
    """The corpus version persisted in ``data_dir`` (1 before anything was added)."""
    try:
        return int(json.loads((Path(data_dir) / "corpus" / STATE).read_text()).get("version", 1))
    except (OSError, ValueError):
        return 1


class CorpusStore:
    """Records in document-id order plus the accession -> current document id map.

    ``mapped`` keeps the records in their files, read on demand through shared memory maps
    (:mod:`omics.search.mapped_records`), for an engine that reads only a page of them a search;
    otherwise every record is held in memory, for one that reads thousands.
    """

    def __init__(self, corpus_path: Path, data_dir: Path, mapped: bool = False) -> None:
        self.corpus_path = Path(corpus_path)
        self.directory = Path(data_dir) / "corpus"
        with store_writers(self.directory.parent):  # lines another process is adding are not a crash's
            state = self._read_state()
            self.version: int = int(state.get("version", 1))
            self._high_water: int = int(state.get("high_water", self.version))
            self._added_lines = int(state.get("added_lines", 0))
            self._trim_additions(self._added_lines)
        self.records: RecordList = self._mapped() if mapped else self._in_memory()
        self._accessions: list[str] = []
        self.current: dict[str, int] = {}
        self._by_gds: dict[str, list[int]] = {}
        for doc_id, record in enumerate(self.records):
            self._register(doc_id, record)

    def _in_memory(self) -> list[Series]:
        added = self.directory / ADDED
        return [*read_jsonl(self.corpus_path), *(read_jsonl(added) if added.exists() else ())]

    def _mapped(self) -> MappedRecords:
        return MappedRecords(plain_copy(self.corpus_path, self.directory), self.directory / ADDED)

    def _trim_additions(self, count: int) -> None:
        """Drop added lines past the first ``count`` (an add that crashed before its state was
        written, or one rolled back) so later appends stay aligned. The file is replaced, not
        cut short: another process may still be reading the old one through a memory map."""
        path = self.directory / ADDED
        if not path.exists():
            return
        lines = path.read_bytes().splitlines(keepends=True)
        if len(lines) > count:
            partial = self.directory / f".{ADDED}.{os.getpid()}.tmp"
            partial.write_bytes(b"".join(lines[:count]))
            os.replace(partial, path)

    def _register(self, doc_id: int, record: Series) -> None:
        self._accessions.append(record.accession)
        self.current[record.accession] = doc_id
        for gds in record.gds:
            self._by_gds.setdefault(gds.upper(), []).append(doc_id)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def fingerprint(self) -> str:
        """Identifies exactly which records the store holds (the index is valid only for this)."""
        return f"{fingerprint_prefix(self.corpus_path, self.version)}|n{len(self)}"

    def get(self, accession: str) -> Series | None:
        doc_id = self.doc_id(accession)
        return self.records[doc_id] if doc_id is not None else None

    def accession(self, doc_id: int) -> str:
        """The accession of a document id, current or superseded, without reading its record."""
        return self._accessions[doc_id]

    def doc_id(self, accession: str) -> int | None:
        return self.current.get(accession.strip().upper())

    def gds_docs(self, gds: str, size: int) -> list[int]:
        """Current document ids (below ``size``) of the series a GEO DataSet (GDS) was curated from."""
        return [
            d
            for d in self._by_gds.get(gds.upper(), [])
            if d < size and self.current.get(self._accessions[d]) == d
        ]

    def live_mask(self) -> np.ndarray:
        """True for each document id that is the current record of its accession."""
        mask = np.zeros(len(self.records), dtype=bool)
        mask[np.fromiter(self.current.values(), dtype=np.int64, count=len(self.current))] = True
        return mask

    def add(self, records: Iterable[Series], before_commit: Callable[[str], None] | None = None) -> list[int]:
        """Append records (persisted), bump the version; returns the new document ids.

        ``before_commit(fingerprint)`` runs after the records are written and before the state
        that makes them visible to other processes is (e.g. to switch the index to them first).
        """
        batch = list(records)
        if not batch:
            return []
        with store_writers(self.directory.parent):
            write_jsonl(self.directory / ADDED, batch, append=True)
            first = len(self.records)
            self.records.extend(batch)
            for offset, record in enumerate(batch):
                self._register(first + offset, record)
            self._added_lines += len(batch)
            self.version = max(self.version, self._high_water) + 1
            self._high_water = self.version
            if before_commit is not None:
                before_commit(self.fingerprint)
            self._write_state()
        return list(range(first, len(self.records)))

    def state_text(self) -> str | None:
        """The committed state as stored (what :meth:`restore_state` puts back)."""
        try:
            return (self.directory / STATE).read_text()
        except OSError:
            return None

    def restore_state(self, text: str | None) -> None:
        """Put back a state read by :meth:`state_text`, keeping the high-water mark (never lowered).

        Loading the store afterwards drops the records appended since that state.
        """
        state = json.loads(text) if text else {}
        with store_writers(self.directory.parent):
            current = self._read_state()
            state["high_water"] = max(
                int(current.get("high_water", current.get("version", 1))),
                int(current.get("version", 1)),
                int(state.get("high_water", state.get("version", 1))),
            )
            self._replace_state(state)

    def disk_version(self) -> int:
        """The version another process may have written since this store was loaded."""
        return disk_version(self.directory.parent)

    def _read_state(self) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads((self.directory / STATE).read_text())
            return state
        except (OSError, ValueError):
            return {}

    def _write_state(self) -> None:
        self._replace_state(
            {"version": self.version, "added_lines": self._added_lines, "high_water": self._high_water}
        )

    def _replace_state(self, state: dict[str, Any]) -> None:
        tmp = self.directory / f".{STATE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.directory / STATE)
