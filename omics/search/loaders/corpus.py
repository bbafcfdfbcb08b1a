"""The corpus file format: one JSON series object a line, optionally gzip-compressed."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Literal

from omics.search.series import Series


def _open(path: Path, mode: Literal["rt", "at", "wt"]) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, mode, encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def read_jsonl(path: Path) -> Iterator[Series]:
    """Yield every series in the file; blank lines are skipped, a malformed line raises with its number."""
    with _open(Path(path), "rt") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield Series.from_dict(json.loads(line))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a series record ({exc})") from exc


def write_jsonl(path: Path, records: Iterable[Series], append: bool = False) -> None:
    """Write records one a line (append mode adds to an existing file)."""
    with _open(Path(path), "at" if append else "wt") as handle:
        for record in records:
            handle.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
