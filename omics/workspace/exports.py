"""A shortlist as a file: CSV, TSV, JSON, and a sample sheet where sample lists are known.

Rows come from the full records (``Series.to_dict()``); list fields are joined with "; ".
Cells that a spreadsheet would run as a formula (starting with = + - @) are prefixed with an
apostrophe (OWASP CSV injection), since titles are free text written by submitters.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omics.workspace.urls import geo_series_url

COLUMNS: tuple[str, ...] = (
    "accession",
    "title",
    "organisms",
    "series_types",
    "platforms",
    "sample_count",
    "submission_date",
    "pubmed_ids",
    "bioproject",
    "geo_url",
    "summary",
)
SAMPLE_COLUMNS: tuple[str, ...] = ("series_accession", "sample_accession", "sample_title")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportFile:
    """What to send: the body, its media type and a file name."""

    body: str
    media_type: str
    filename: str


class NoSamples(Exception):
    """None of the shortlisted series has a sample list (yet): no sample sheet to give."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def series_row(accession: str, record: dict[str, Any] | None) -> dict[str, str]:
    """One row of the table; a series no longer in the corpus keeps its accession and a note."""
    if record is None:
        return {column: "" for column in COLUMNS} | {
            "accession": accession,
            "title": "(not in this corpus any more)",
            "geo_url": geo_series_url(accession),
        }
    values = record | {"geo_url": geo_series_url(accession)}
    return {column: _cell(values.get(column)) for column in COLUMNS}


def _delimited(rows: Sequence[dict[str, str]], columns: Sequence[str], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _slug(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.strip())
    return cleaned.strip("-")[:60] or "shortlist"


def export(name: str, records: Sequence[tuple[str, dict[str, Any] | None]], file_format: str) -> ExportFile:
    """The shortlist ``name`` holding ``records`` (accession, record or None) as ``file_format``."""
    stem = _slug(name)
    if file_format == "json":
        series = [record or {"accession": accession, "missing": True} for accession, record in records]
        body = json.dumps({"shortlist": name, "series": series}, indent=2, ensure_ascii=False)
        return ExportFile(body + "\n", "application/json", f"{stem}.json")
    if file_format == "samples":
        return _sample_sheet(stem, records)
    rows = [series_row(accession, record) for accession, record in records]
    if file_format == "tsv":
        return ExportFile(_delimited(rows, COLUMNS, "\t"), "text/tab-separated-values", f"{stem}.tsv")
    return ExportFile(_delimited(rows, COLUMNS, ","), "text/csv", f"{stem}.csv")


def _sample_sheet(stem: str, records: Sequence[tuple[str, dict[str, Any] | None]]) -> ExportFile:
    rows = [
        {
            "series_accession": accession,
            "sample_accession": _cell(sample.get("accession")),
            "sample_title": _cell(sample.get("title")),
        }
        for accession, record in records
        for sample in (record or {}).get("samples") or []
    ]
    if not rows:
        raise NoSamples("none of these series has a sample list in this corpus yet")
    return ExportFile(_delimited(rows, SAMPLE_COLUMNS, ","), "text/csv", f"{stem}-samples.csv")
