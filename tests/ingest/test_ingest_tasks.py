"""The saga as Celery work: steps run on a real worker's ``ingest`` queue, the sweeper resumes."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from omics.ingest.saga import ingestion_params
from omics.runtime import shared_engine
from omics.saga.store import utcnow
from tests.ingest.conftest import ingest_worker, role_env


@pytest.fixture(scope="module")
def ingest_celery(ingest_settings, ncbi, tmp_path_factory):
    """A Celery app sending to a real worker process on the ingest queue, whose sagas may take a
    step three times (a lost worker counts one)."""
    from tasks.celery_app import create_celery

    settings = replace(ingest_settings, ingest=replace(ingest_settings.ingest, max_step_attempts=3))
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with ingest_worker(role_env(settings, ncbi), log):
        yield create_celery(settings)


def wait_for(runner, saga_id: str, statuses=("completed", "compensated", "failed"), timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = runner.store.view(saga_id)
        if view is not None and view.status in statuses:
            return view
        time.sleep(0.2)
    raise AssertionError(f"saga {saga_id} still {runner.store.view(saga_id).status}")


def test_a_started_ingestion_runs_step_by_step_on_the_worker(ingest_celery, ingest_settings) -> None:
    from tasks.ingesting import ingestion_of, start_ingestion

    runner = ingestion_of(ingest_celery).runner
    saga_id = start_ingestion(ingest_celery, ingestion_params(accessions=["GSE990101"]), "curator1")
    view = wait_for(runner, saga_id)
    assert view.status == "completed", view.error
    assert [step.status for step in view.steps] == ["done"] * 7
    assert view.owner == "curator1" and view.counts["published"] == 1
    assert shared_engine(ingest_settings).get("GSE990101").pubmed_ids == ("39000001",)


def test_the_sweeper_resumes_a_saga_whose_worker_vanished(ingest_celery) -> None:
    """A step claimed by a worker that died (its lease never renewed, no message left) resumes."""
    from tasks.ingesting import ingestion_of

    runner = ingestion_of(ingest_celery).runner
    saga_id = runner.start(ingestion_params(accessions=["GSE990103"]))  # no message sent: "lost"
    assert runner.store.claim(saga_id, "plan", timedelta(hours=1))  # ...and a worker took it, then died
    assert runner.store.view(saga_id).status == "running"
    time.sleep(1.1)
    resumed = ingest_celery.send_task("omics.ingest.sweep", kwargs={"stale_after": 1}).get(timeout=30)
    assert resumed >= 1
    view = wait_for(runner, saga_id)
    assert view.status == "completed", view.error
    assert view.step("plan").attempts == 2
    assert utcnow() - view.updated_at < timedelta(minutes=1)


def test_the_daily_ingest_asks_for_the_last_days_and_waits_for_a_running_one(ingest_celery) -> None:
    from tasks.ingesting import ingestion_of

    runner = ingestion_of(ingest_celery).runner
    blocking = runner.start(ingestion_params(accessions=["GSE990102"]))  # an ingestion still running
    assert ingest_celery.send_task("omics.ingest.scheduled").get(timeout=30) is None
    runner.compensate(blocking, "test over")

    saga_id = ingest_celery.send_task("omics.ingest.scheduled").get(timeout=30)
    view = wait_for(runner, saga_id)
    today = datetime.now(UTC).date()
    assert view.params["scheduled"] is True and view.params["until"] == today.isoformat()
    assert view.params["since"] == (today - timedelta(days=1)).isoformat()  # no earlier daily run
    assert view.status == "completed", view.error


def test_the_daily_ingest_is_scheduled_only_when_configured() -> None:
    import celeryconfig

    assert "daily-ingest" not in celeryconfig.ingest_tasks("", 900)
    daily = celeryconfig.ingest_tasks("03:30", 900)["daily-ingest"]
    assert daily["task"] == "omics.ingest.scheduled" and daily["schedule"].hour == {3}
    with pytest.raises(ValueError, match="HH:MM"):
        celeryconfig.ingest_tasks("3pm", 900)


def test_an_ingestion_whose_first_step_cannot_be_queued_ends_at_once(ingest_settings) -> None:
    """The broker is down when the saga starts: it is compensated, not left for the sweeper."""
    from tasks.celery_app import create_celery
    from tasks.ingesting import ingestion_of, start_ingestion

    live = ingestion_of(create_celery(ingest_settings)).runner
    app = create_celery(ingest_settings)
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app.conf.broker_connection_retry = False
    app.conf.task_publish_retry = False
    before = {view.id for view in live.store.recent(limit=200)}
    with pytest.raises(Exception):  # noqa: B017  (kombu's or redis's connection error)
        start_ingestion(app, ingestion_params(accessions=["GSE990102"]), "curator1")
    [saga] = [view for view in live.store.recent(limit=200) if view.id not in before]
    assert saga.status == "compensated" and "could not be queued" in saga.error
    assert not live.store.active("ingestion")
