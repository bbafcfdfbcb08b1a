"""A careful reader for the header part of GEO SOFT family files.

SOFT is line-based: ``^ENTITY = id`` opens an entity, ``!Attribute = value`` adds a value to
the current one (repeated attributes accumulate), ``#`` lines describe columns and
``!..._table_begin``/``_table_end`` bracket data tables. Only metadata is needed here, so
tables are skipped. GEOparse reads the same format but pulls in pandas and its download
machinery; this module needs neither (see docs/ARCHITECTURE.md).

Each sample keeps its title and characteristics (``!Sample_characteristics_ch*``), which the
index reads as the series' sample text. A series' organisms come from its samples
(``!Sample_organism_ch*``) and, failing those, from its platforms (``!Platform_organism``), in
order of first appearance.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omics.search.series import Sample, Series, iso_date


@dataclass
class SoftEntity:
    """One ``^KIND = name`` block with its attributes (each a list of values in file order)."""

    kind: str
    name: str
    attributes: dict[str, list[str]] = field(default_factory=dict)

    def values(self, key: str) -> list[str]:
        return self.attributes.get(key, [])

    def first(self, key: str, default: str = "") -> str:
        found = self.values(key)
        return found[0] if found else default


def read_entities(lines: Iterable[str]) -> Iterator[SoftEntity]:
    """Split SOFT text into entities, skipping data tables and column descriptions."""
    current: SoftEntity | None = None
    in_table = False
    for raw in lines:
        line = raw.rstrip("\r\n")
        if in_table:
            in_table = not line.lower().endswith("_table_end")
            continue
        if line.startswith("^"):
            if current is not None:
                yield current
            kind, _, name = line[1:].partition("=")
            current = SoftEntity(kind.strip().upper(), name.strip())
        elif line.startswith("!") and current is not None:
            key, _, value = line[1:].partition("=")
            key = key.strip()
            if key.lower().endswith("_table_begin"):
                in_table = True
                continue
            current.attributes.setdefault(key, []).append(value.strip())
    if current is not None:
        yield current


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _sample(entity: SoftEntity) -> Sample:
    """A sample with its characteristics (``!Sample_characteristics_ch1 = disease state: ...``),
    every channel's, in file order: what a cohort's samples are, which its summary may never say."""
    characteristics = [
        value
        for key, values in entity.attributes.items()
        if key.startswith("Sample_characteristics_ch")
        for value in values
        if value
    ]
    return Sample(entity.name, entity.first("Sample_title"), tuple(characteristics))


def _series_from(entity: SoftEntity, samples: list[SoftEntity], platforms: list[SoftEntity]) -> Series:
    organisms = _unique(
        value
        for sample in samples
        for key, vals in sample.attributes.items()
        if key.startswith("Sample_organism_ch")
        for value in vals
    ) or _unique(p.first("Platform_organism") for p in platforms)
    sample_ids = entity.values("Series_sample_id")
    platform_ids = entity.values("Series_platform_id") or [p.name for p in platforms]
    extra: dict[str, Any] = {
        key: entity.first(f"Series_{key}")
        for key in ("last_update_date", "status")
        if entity.first(f"Series_{key}")
    }
    return Series(
        accession=entity.first("Series_geo_accession", entity.name),
        title=entity.first("Series_title"),
        summary="\n".join(v for v in entity.values("Series_summary") if v),
        overall_design="\n".join(v for v in entity.values("Series_overall_design") if v),
        organisms=organisms,
        series_types=_unique(entity.values("Series_type")),
        platforms=_unique(platform_ids),
        sample_count=len(sample_ids) if sample_ids else (len(samples) or None),
        is_superseries=any(v.startswith("SuperSeries of") for v in entity.values("Series_relation")),
        submission_date=iso_date(entity.first("Series_submission_date")),
        pubmed_ids=tuple(entity.values("Series_pubmed_id")),
        samples=tuple(_sample(s) for s in samples),
        extra=extra,
    )


def parse_soft(path: Path) -> list[Series]:
    """Read a SOFT family file and return its series (usually one) as records."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        entities = list(read_entities(handle))
    samples = [e for e in entities if e.kind == "SAMPLE"]
    platforms = [e for e in entities if e.kind == "PLATFORM"]
    return [_series_from(e, samples, platforms) for e in entities if e.kind == "SERIES"]
