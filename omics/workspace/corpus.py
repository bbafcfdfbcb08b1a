"""What the pages say about the corpus: how many series, as of when, which values exist.

Computed from the live records once per corpus version (callers keep the last summary), so
the organism and series-type lists offered as filters are the corpus's own, not a guess.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omics.search.series import Series


@dataclass(frozen=True)
class CorpusSummary:
    """Size, version and as-of date of the corpus, and the values its records carry."""

    series: int
    version: int
    as_of: str
    organisms: dict[str, int] = field(default_factory=dict)
    series_types: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "version": self.version,
            "as_of": self.as_of,
            "organisms": self.organisms,
            "series_types": self.series_types,
        }


def last_changed(paths: Sequence[Path]) -> str:
    """The newest modification date (UTC, YYYY-MM-DD) among the corpus files that exist."""
    stamps = [path.stat().st_mtime for path in paths if path.exists()]
    moment = datetime.fromtimestamp(max(stamps), UTC) if stamps else datetime.now(UTC)
    return moment.date().isoformat()


def summarise(records: Iterable[Series], version: int, files: Sequence[Path]) -> CorpusSummary:
    """Count the live records and the values of their organism and series-type fields."""
    organisms: Counter[str] = Counter()
    series_types: Counter[str] = Counter()
    count = 0
    for record in records:
        count += 1
        organisms.update(record.organisms)
        series_types.update(record.series_types)
    return CorpusSummary(
        series=count,
        version=version,
        as_of=last_changed(files),
        organisms=dict(organisms.most_common()),
        series_types=dict(series_types.most_common()),
    )
