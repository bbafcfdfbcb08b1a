"""Export files: formula-looking cells are neutralised, sample sheets list every known sample."""

from __future__ import annotations

import csv
import io

import pytest

from omics.workspace import exports


def test_cells_a_spreadsheet_would_run_are_quoted() -> None:
    record = {"accession": "GSE1", "title": '=HYPERLINK("http://x")', "organisms": ["Homo sapiens"]}
    body = exports.export("mine", [("GSE1", record), ("GSE2", None)], "csv").body
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["title"].startswith("'=")
    assert rows[1] == rows[1] | {"accession": "GSE2", "title": "(not in this corpus any more)"}


def test_a_sample_sheet_lists_the_samples_of_every_series_that_has_them() -> None:
    records = [
        ("GSE1", {"accession": "GSE1", "samples": [{"accession": "GSM1", "title": "liver 1"}]}),
        ("GSE2", {"accession": "GSE2"}),
    ]
    sheet = exports.export("my list!", records, "samples")
    assert sheet.filename == "my-list-samples.csv"
    assert sheet.body.splitlines() == ["series_accession,sample_accession,sample_title", "GSE1,GSM1,liver 1"]
    with pytest.raises(exports.NoSamples):
        exports.export("x", [("GSE2", {"accession": "GSE2"})], "samples")
