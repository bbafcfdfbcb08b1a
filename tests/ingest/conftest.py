"""Fixtures for ingestion: a fake NCBI with new series, and a private data directory per module.

The data directory starts as a copy of the session's (its index and vocabulary), so an
ingestion changes a corpus no other test reads, without paying for a fresh index.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from omics.config import IngestSettings, Settings
from tests.fake_ncbi import FakeNcbi, series_document

NEW_SERIES = [
    series_document(
        990101,
        "Narwhal tusk sensory transcriptome",
        "2024/03/02",
        pubmedids=["39000001"],
        samples=[{"accession": "GSM9901011", "title": "tusk pulp 1"}],
        n_samples=1,
        suppfile="CSV, H5",
    ),
    series_document(990102, "Narwhal blubber adipocyte atlas", "2024/03/15", n_samples=4),
    series_document(990103, "Okapi liver single-cell atlas", "2024/04/01", n_samples=8),
    series_document(990050, "Old narwhal study outside the window", "2023/01/01"),
]


@pytest.fixture(scope="module")
def ncbi():
    with FakeNcbi(NEW_SERIES, rate_limit=100) as server:
        server.faults.retry_after = 0.01
        yield server


@pytest.fixture(scope="module")
def ingest_settings(tmp_path_factory, settings: Settings, engine, ncbi, redis_url: str) -> Settings:
    target: Path = tmp_path_factory.mktemp("ingest-data")
    shutil.copytree(settings.data_dir / "index", target / "index")
    for cached in settings.data_dir.glob("vocabulary-*"):
        shutil.copy(cached, target / cached.name)
    return replace(
        settings,
        data_dir=target,
        redis_url=redis_url,
        ingest=IngestSettings(
            base_url=ncbi.base_url, email="tests@example.org", batch_size=2, max_step_attempts=1
        ),
    )
