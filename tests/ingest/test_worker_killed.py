"""A worker SIGKILLed in the middle of an ingestion: the saga still ends completed or compensated.

Real processes: ``python app.py worker`` (threads pool, one process) and ``python app.py beat``
against the test's Redis and data directory, and the fake NCBI answering slowly so the kill lands mid-fetch.
The killed step's message is never acknowledged and its claim never renewed; the beat's sweeper
finds the saga stale after ``OMICS_SAGA_TIMEOUT`` and hands the step to the next worker.
"""

from __future__ import annotations

import signal
import time
from dataclasses import replace

import pytest

from omics.ingest.saga import ingestion_params
from omics.runtime.ingestion import build_ingestion
from tests.ingest.conftest import role_env, start_role, stop_role

SAGA_TIMEOUT = 4


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.system
def test_a_worker_killed_mid_saga_never_leaves_it_stuck(ingest_settings, ncbi, tmp_path) -> None:
    settings = replace(
        ingest_settings,
        ingest=replace(ingest_settings.ingest, saga_timeout=SAGA_TIMEOUT, max_step_attempts=3, batch_size=1),
    )
    env = role_env(settings, ncbi)
    log = tmp_path / "roles.log"
    runner = build_ingestion(settings, str(settings.redis_url)).runner
    ncbi.faults.slow, ncbi.faults.slow_seconds = 10_000, 1.0  # every request takes a second
    worker = start_role("worker --queues ingest --pool threads", env, log)
    beat = start_role("beat", env, log)
    replacement = None
    try:
        from tasks.celery_app import create_celery
        from tasks.ingesting import start_ingestion

        saga_id = start_ingestion(
            create_celery(settings),
            ingestion_params(accessions=["GSE990101", "GSE990102", "GSE990103"]),
            None,
        )
        wait_until(
            lambda: (view := runner.store.view(saga_id)) and view.step("fetch").status == "running",
            180,
            "the worker to start fetching",
        )
        stop_role(worker, signal.SIGKILL)  # mid-fetch: no acknowledgement, no compensation, no goodbye
        assert runner.store.view(saga_id).status == "running"
        ncbi.faults.slow = 0
        replacement = start_role("worker --queues ingest --pool threads", env, log)
        final = wait_until(
            lambda: (
                (view := runner.store.view(saga_id))
                and view.status in ("completed", "compensated", "failed")
                and view
            ),
            240,
            "the saga to end",
        )
        assert final.status in ("completed", "compensated"), (
            final.status,
            final.error,
            log.read_text()[-3000:],
        )
        from omics.runtime import shared_engine

        engine = shared_engine(settings)
        published = [engine.get(a) is not None for a in ("GSE990101", "GSE990102", "GSE990103")]
        assert published == [final.status == "completed"] * 3  # all or nothing
        print(f"saga {final.status}; fetch attempts {final.step('fetch').attempts}; {final.counts}")
        if final.status == "completed":
            assert final.step("fetch").attempts >= 2  # the killed attempt, then the resumed one
    finally:
        for process in (worker, beat, replacement):
            if process is not None:
                stop_role(process)
