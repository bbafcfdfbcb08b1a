"""``python app.py ingest`` against the fake NCBI: publishes, is idempotent, compensates cleanly."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import date

import pytest
import requests

from omics.alerts.book import AlertBook
from omics.cache.system import CacheSystem
from omics.ingest.client import NcbiUnavailable
from omics.runtime import shared_engine
from omics.runtime.ingest_cli import run_ingest
from omics.search.engine import SearchEngine
from omics.search.request import SearchRequest
from omics.search.staging import StagingArea
from tests.live_server import LiveServer


def args(**given) -> argparse.Namespace:
    return argparse.Namespace(**{"since": None, "until": None, "accessions": None, "all": False, **given})


def snapshot(engine: SearchEngine) -> tuple:
    """Everything a failed ingestion must leave as it was."""
    index = json.loads(engine.publication_point().manifest or "{}")  # either backend's index
    index.pop("next_generation", None)  # the shared index never reuses a dropped generation's number
    state = json.loads(engine.store.state_text() or "{}")
    state.pop("high_water", None)  # remembers a rolled-back version so it is never reused
    return engine.version, len(engine.store), index, state, engine.get("GSE990102")


def titles(engine: SearchEngine, query: str) -> list[str]:
    return [hit.accession for hit in engine.search(SearchRequest(query=query)).hits]


@pytest.mark.parametrize("failing", ["plan", "fetch", "stage", "index", "publish", "refresh", "notify"])
def test_a_permanent_failure_at_any_step_leaves_everything_as_before(
    failing, ingest_settings, ncbi, monkeypatch, capsys
) -> None:
    engine = shared_engine(ingest_settings)
    before = snapshot(engine)
    if failing in ("plan", "fetch"):  # NCBI keeps failing: retried, then given up for good
        method = "search" if failing == "plan" else "summaries"
        monkeypatch.setattr(f"omics.ingest.client.EutilsClient.{method}", _ncbi_down)
    else:
        target = {  # on the engine's own class: either index backend's
            "stage": (type(engine), "stage", None),
            "index": (type(engine), "index_staged", None),
            "publish": (StagingArea, "new_accessions", None),
            "refresh": (CacheSystem, "corpus_changed", "once"),
            "notify": (AlertBook, "notify", None),
        }[failing]
        monkeypatch.setattr(target[0], target[1], _broken if target[2] is None else _broken_once())
    with pytest.raises(SystemExit) as exited:
        run_ingest(ingest_settings, args(since=date(2024, 1, 1)))
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "compensated" in out.splitlines()[-1]
    assert snapshot(engine) == before
    assert "GSE990101" not in titles(engine, "narwhal tusk")


def _ncbi_down(*args, **kwargs):
    raise NcbiUnavailable("NCBI esummary.fcgi failed 5 times: HTTP 503")


def _broken(*args, **kwargs):
    raise RuntimeError("injected failure")


def _broken_once():
    calls = []

    def fail_first(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("injected failure")

    return fail_first


def test_ingest_in_process_publishes_once(ingest_settings, capsys) -> None:
    engine = shared_engine(ingest_settings)
    run_ingest(ingest_settings, args(accessions=["GSE990103"]))
    assert "completed" in capsys.readouterr().out.splitlines()[-1]
    assert titles(engine, "okapi liver")[0] == "GSE990103"
    assert engine.get("GSE990103").submission_date == "2024-04-01"
    version = engine.version
    run_ingest(ingest_settings, args(accessions=["GSE990103"]))
    assert '"published": 0' in capsys.readouterr().out.splitlines()[-1]
    assert engine.version == version


@pytest.mark.system
def test_ingest_publishes_new_series_into_a_running_server(ingest_settings, ncbi, celery_app) -> None:
    """The command in another process; the running web process serves the new series at once."""
    from app import create_app

    server = LiveServer(create_app(ingest_settings, celery_app))
    try:
        search = f"{server.url}/api/v1/search"
        assert requests.get(search, params={"q": "narwhal tusk"}, timeout=30).json()["total"] == 0
        env = {
            **os.environ,
            "OMICS_DATA_DIR": str(ingest_settings.data_dir),
            "REDIS_URL": ingest_settings.redis_url,
            "OMICS_NCBI_BASE_URL": ncbi.base_url,
            "OMICS_INGEST_BATCH_SIZE": "2",
        }
        command = [sys.executable, "app.py", "ingest", "--since", "2024-01-01", "--until", "2024-12-31"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith("saga ")
        assert "completed" in done.stdout.splitlines()[-1]

        found = requests.get(search, params={"q": "narwhal tusk"}, timeout=30).json()
        assert found["results"][0]["accession"] == "GSE990101"
        record = requests.get(f"{server.url}/api/v2/datasets/GSE990101", timeout=10).json()
        assert record["submission_date"] == "2024-03-02"
        assert record["pubmed_ids"] == ["39000001"]
        assert record["samples"] == [{"accession": "GSM9901011", "title": "tusk pulp 1"}]
        assert record["supplementary_files"] == ["CSV", "H5"]
        old = requests.get(search, params={"q": "old narwhal study outside"}, timeout=30).json()
        assert "GSE990050" not in [r["accession"] for r in old["results"]]

        again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
        assert '"published": 0' in again.stdout.splitlines()[-1]  # a re-run changes nothing
    finally:
        server.stop()
