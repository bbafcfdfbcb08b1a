"""Fixtures for ingestion: a fake NCBI with new series, and a private data directory per module.

The data directory starts as a copy of the session's (its index and vocabulary), so an
ingestion changes a corpus no other test reads, without paying for a fresh index.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from omics.config import IngestSettings, Settings
from tests.fake_ncbi import FakeNcbi, series_document
from tests.live_server import LiveServer
from tests.processes import data_dir_with_built_artefacts

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
    series_document(
        990102,
        "Narwhal blubber adipocyte atlas",
        "2024/03/15",
        n_samples=4,
        # Only the sample titles name the condition: the series is found through them.
        samples=[
            {"accession": f"GSM990102{n}", "title": f"blubber, {kind} {n}"}
            for n, kind in enumerate(("lipodystrophy", "lipodystrophy", "control", "control"), 1)
        ],
    ),
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
    target = data_dir_with_built_artefacts(settings.data_dir, tmp_path_factory.mktemp("ingest-data"))
    return replace(
        settings,
        data_dir=target,
        redis_url=redis_url,
        ingest=IngestSettings(
            base_url=ncbi.base_url, email="tests@example.org", batch_size=2, max_step_attempts=1
        ),
    )


def role_env(settings: Settings, ncbi: FakeNcbi, **overrides: str) -> dict[str, str]:
    """The environment of an app role on ``settings``' data directory, Redis and fake NCBI."""
    ingest = settings.ingest
    return {
        **os.environ,
        "OMICS_DATA_DIR": str(settings.data_dir),
        "REDIS_URL": str(settings.redis_url),
        "OMICS_NCBI_BASE_URL": ncbi.base_url,
        "OMICS_NCBI_EMAIL": ingest.email,
        "OMICS_INGEST_BATCH_SIZE": str(ingest.batch_size),
        "OMICS_SAGA_TIMEOUT": str(ingest.saga_timeout),
        "OMICS_SAGA_MAX_ATTEMPTS": str(ingest.max_step_attempts),
        "OMICS_LOG_FORMAT": "text",
        **overrides,
    }


def start_role(arguments: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``python app.py <arguments>`` in its own process group (a kill takes its children too)."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "app.py", *arguments.split()],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_role(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def wait_until_ready(process: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    """Until the worker logs that it consumes (Celery's "<node> ready." line)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        if " ready." in log.read_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"the worker never became ready: {log.read_text()[-3000:]}")


@contextmanager
def ingest_worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real worker process on the ingest queue (threads pool), ready when entered.

    A process, not ``celery.contrib.testing``'s in-process worker: stopping one of those sets
    Celery's process-wide ``should_terminate`` and so also ends the session's search worker.
    """
    worker = start_role("worker --queues ingest --pool threads", env, log)
    try:
        wait_until_ready(worker, log)
        yield worker
    finally:
        stop_role(worker)


@contextmanager
def ingest_stack(
    settings: Settings, ncbi: FakeNcbi, users: dict[str, str], password: str, log: Path
) -> Iterator[LiveServer]:
    """A web server in this process and a worker process on the ingest queue, on one data
    directory, with ``users`` (name -> role) signing in with ``password``."""
    from app import create_app
    from omics.security import accounts
    from omics.web.state import state_of
    from tasks.celery_app import create_celery

    web = create_app(settings, create_celery(settings))
    with state_of(web).security.database.transaction() as session:
        for name, role in users.items():
            accounts.create_user(session, name, password, role)
    try:
        with ingest_worker(role_env(settings, ncbi), log), LiveServer(web) as server:
            yield server
    finally:
        # End the app's event relay: one left subscribed would see (and log) other modules' events.
        state_of(web).hub._stopped.set()
