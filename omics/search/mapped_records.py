"""Records read on demand from the corpus's JSON lines, through memory maps every process shares.

At full GEO scale a process holding every record as Python objects spends hundreds of MB on
them (463 MB of private memory for 250,000 series), and each prefork worker child holds its
own copy. The shared-index engine needs only a page of records a search, so it keeps each
record's byte offset instead and decodes the few it reads; the file's pages sit once in the
machine's page cache. A gzip-compressed corpus cannot be read at an offset, so it is
decompressed once into the data directory, under a name that changes when the corpus file does.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mmap
import os
import shutil
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from omics.search.lazy_sequence import LazySequence
from omics.search.series import Series

DECODED_CACHE = 4096  # records kept decoded: a page, its examples and the next searches' pages


class _Lines:
    """The non-blank lines of one JSON-lines file, by number, read through a memory map."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._identity: tuple[int, int] | None = None
        self.starts = np.zeros(0, dtype=np.int64)
        self.ends = np.zeros(0, dtype=np.int64)
        self.rescan()

    def rescan(self) -> None:
        """Map the file again and find its lines: the ones appended since, or all of them when
        the file was replaced (a store that dropped rolled-back lines writes a new file, so a
        map another process still reads is never cut short under it)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return
        identity = (stat.st_dev, stat.st_ino)
        scanned = int(self.ends[-1]) + 1 if len(self.ends) else 0
        if identity != self._identity or stat.st_size < scanned:
            self.starts, self.ends, scanned = self.starts[:0], self.ends[:0], 0
        if stat.st_size <= scanned:
            return
        with open(self.path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        self._identity = identity
        starts, ends = _line_spans(self._map, scanned, len(self._map))
        self.starts = np.concatenate([self.starts, starts])
        self.ends = np.concatenate([self.ends, ends])

    def __len__(self) -> int:
        return len(self.starts)

    def text(self, number: int) -> bytes:
        assert self._map is not None
        return self._map[int(self.starts[number]) : int(self.ends[number])]


def _line_spans(data: mmap.mmap, begin: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the non-blank lines in ``data[begin:end]``."""
    view = np.frombuffer(data, dtype=np.uint8, count=end - begin, offset=begin)
    ends = np.flatnonzero(view == ord("\n")).astype(np.int64) + begin
    if not len(ends) or ends[-1] != end - 1:
        ends = np.append(ends, end)  # a last line without its newline
    starts = np.concatenate([[begin], ends[:-1] + 1]).astype(np.int64)
    short = np.flatnonzero(ends - starts < 8)  # only a short line can be blank
    blank = [i for i in short if not data[int(starts[i]) : int(ends[i])].strip()]
    keep = np.setdiff1d(np.arange(len(ends)), blank)
    return starts[keep], ends[keep]


def plain_copy(corpus_path: Path, directory: Path) -> Path:
    """``corpus_path`` itself when it is plain text; else its decompressed copy in ``directory``."""
    if corpus_path.suffix != ".gz":
        return corpus_path
    stat = corpus_path.stat()
    key = f"{corpus_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    target = directory / f"shipped-{hashlib.sha256(key.encode()).hexdigest()[:16]}.jsonl"
    if not target.exists():
        directory.mkdir(parents=True, exist_ok=True)
        partial = directory / f".{target.name}.{os.getpid()}.tmp"
        with gzip.open(corpus_path, "rb") as source, open(partial, "wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
        os.replace(partial, target)
    return target


class MappedRecords(LazySequence[Series]):
    """The shipped corpus then the additions file (trimmed to its committed lines by the store),
    as one read-only sequence of records.

    Supports what the store and the engines ask of a record list: length, an index or a slice,
    iteration and :meth:`extend` after an add has appended lines to the additions file.
    """

    def __init__(self, shipped: Path, added: Path) -> None:
        self._shipped = _Lines(shipped)
        self._added = _Lines(added)
        self._decoded: OrderedDict[int, Series] = OrderedDict()

    def __len__(self) -> int:
        return len(self._shipped) + len(self._added)

    def _item(self, doc: int) -> Series:
        record = self._decoded.get(doc)
        if record is None:
            record = self._decode(doc)
            self._decoded[doc] = record
            if len(self._decoded) > DECODED_CACHE:
                self._decoded.popitem(last=False)
        else:
            self._decoded.move_to_end(doc)
        return record

    def __iter__(self) -> Iterator[Series]:
        for doc in range(len(self)):
            yield self._decode(doc)

    def _decode(self, doc: int) -> Series:
        shipped = len(self._shipped)
        lines, number = (self._shipped, doc) if doc < shipped else (self._added, doc - shipped)
        return Series.from_dict(json.loads(lines.text(number)))

    def extend(self, batch: list[Series]) -> None:
        """Take in ``batch``, already appended to the additions file as its last lines."""
        expected = len(self._added) + len(batch)
        self._added.rescan()
        if len(self._added) != expected:
            raise RuntimeError(f"{self._added.path} holds {len(self._added)} records, expected {expected}")


RecordList = list[Series] | MappedRecords
"""The records of a store: all in memory, or read on demand."""
