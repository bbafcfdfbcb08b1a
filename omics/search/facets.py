"""Metadata columns for exact filters and facet counts over whole match sets, in numpy.

Multi-valued fields (organisms, series types, platforms) are stored as parallel arrays of
(document id, value id) pairs; a facet count over a match mask is then one ``np.bincount``
of the value ids whose document is in the mask, and a filter is one ``np.isin``. No Python
loop ever visits documents, which is what keeps facets cheap at GEO scale (250k series).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from omics.search.request import SearchFilters
from omics.search.series import Series

MULTI_FIELDS: tuple[str, ...] = ("organisms", "series_types", "platforms")
FACET_NAMES = {"organisms": "organism", "series_types": "series_type", "platforms": "platform"}
# Sample-size bands: (label, lowest count, highest count); unknown counts get their own band.
SAMPLE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-9", 0, 9),
    ("10-49", 10, 49),
    ("50-199", 50, 199),
    ("200-999", 200, 999),
    ("1000+", 1000, np.iinfo(np.int32).max),
)
UNKNOWN = -1
MASK_CACHE = 32  # filter masks kept per corpus version (one byte per series each)
TOP_VALUES = 25  # facet values shown per field (platforms run into the thousands)


@dataclass
class ValueColumn:
    """One multi-valued field: value vocabulary and (doc id, value id) pairs."""

    values: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    docs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    vals: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    def extend(self, first_doc: int, per_doc: Sequence[Sequence[str]]) -> None:
        docs: list[int] = []
        vals: list[int] = []
        for offset, values in enumerate(per_doc):
            for value in values:
                value_id = self.ids.get(value)
                if value_id is None:
                    value_id = self.ids[value] = len(self.values)
                    self.values.append(value)
                docs.append(first_doc + offset)
                vals.append(value_id)
        self.docs = np.concatenate([self.docs, np.asarray(docs, dtype=np.int32)])
        self.vals = np.concatenate([self.vals, np.asarray(vals, dtype=np.int32)])

    def mask_any(self, wanted: Sequence[str], size: int) -> np.ndarray:
        """Documents having at least one of the wanted values (exact, case-insensitive)."""
        lowered = {w.casefold() for w in wanted}
        wanted_ids = [i for v, i in self.ids.items() if v.casefold() in lowered]
        mask = np.zeros(size, dtype=bool)
        if wanted_ids:
            mask[self.docs[np.isin(self.vals, wanted_ids)]] = True
        return mask

    def counts(self, match: np.ndarray, top: int = TOP_VALUES) -> dict[str, int]:
        """How many matching documents carry each value, most frequent first."""
        counted = np.bincount(self.vals[match[self.docs]], minlength=len(self.values))
        order = np.argsort(-counted, kind="stable")[:top]
        return {self.values[i]: int(counted[i]) for i in order if counted[i] > 0}


def day_number(iso_date: str | None) -> int:
    """``2024-03-05`` as 20240305 (ordered like the dates), 0 for no date."""
    return int(iso_date.replace("-", "")) if iso_date else 0


class MetadataColumns:
    """Filterable, facetable metadata of every document id, kept in step with the store."""

    def __init__(self) -> None:
        self.columns = {name: ValueColumn() for name in MULTI_FIELDS}
        self.sample_count = np.zeros(0, dtype=np.int32)
        self.submitted = np.zeros(0, dtype=np.int32)  # YYYYMMDD, 0 when unknown
        self._masks: dict[SearchFilters, np.ndarray] = {}  # the same few filters recur in most searches

    @property
    def size(self) -> int:
        return len(self.sample_count)

    def extend(self, records: Sequence[Series]) -> None:
        first = self.size
        for name, column in self.columns.items():
            column.extend(first, [getattr(r, name) for r in records])
        self._masks = {}
        counts = [r.sample_count if r.sample_count is not None else UNKNOWN for r in records]
        self.sample_count = np.concatenate([self.sample_count, np.asarray(counts, dtype=np.int32)])
        dates = [day_number(r.submission_date) for r in records]
        self.submitted = np.concatenate([self.submitted, np.asarray(dates, dtype=np.int32)])

    def filter_mask(self, filters: SearchFilters) -> np.ndarray:
        """Exact server-side filters (read-only result, cached per filter set); unknown sample
        counts fail any sample-size bound."""
        mask = self._masks.get(filters)
        if mask is None:
            if len(self._masks) >= MASK_CACHE:
                self._masks = {}  # rebinding (not evicting in place) is safe with concurrent readers
            mask = self._masks[filters] = self._compute_mask(filters)
            mask.flags.writeable = False
        return mask

    def _compute_mask(self, filters: SearchFilters) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        if filters.organisms:
            mask &= self.columns["organisms"].mask_any(filters.organisms, self.size)
        if filters.series_types:
            mask &= self.columns["series_types"].mask_any(filters.series_types, self.size)
        if filters.min_samples is not None:
            mask &= self.sample_count >= filters.min_samples
        if filters.max_samples is not None:
            mask &= (self.sample_count <= filters.max_samples) & (self.sample_count != UNKNOWN)
        # An unknown date (0) fails any date bound, as an unknown sample count fails a size bound.
        if filters.submitted_after is not None:
            mask &= self.submitted >= day_number(filters.submitted_after)
        if filters.submitted_before is not None:
            mask &= (self.submitted <= day_number(filters.submitted_before)) & (self.submitted != 0)
        return mask

    def platform_mask(self, platforms: Sequence[str]) -> np.ndarray:
        return self.columns["platforms"].mask_any(platforms, self.size)

    def facets(self, match: np.ndarray) -> dict[str, dict[str, int]]:
        """Facet counts over every matching document (not just a page)."""
        out = {FACET_NAMES[name]: column.counts(match) for name, column in self.columns.items()}
        counts = self.sample_count[match]
        bands = {
            label: int(np.count_nonzero((counts >= low) & (counts <= high)))
            for label, low, high in SAMPLE_BANDS
        }
        bands["unknown"] = int(np.count_nonzero(counts == UNKNOWN))
        out["sample_size"] = bands
        return out
