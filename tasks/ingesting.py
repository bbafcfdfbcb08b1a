"""The ingestion saga as Celery work on the ``ingest`` queue: one task per step, re-sent by the runner.

A step task names its saga and step; the runner reads where the saga is from the database, so
the message carries nothing that can go stale. Each task, once its step is done, sends the
next step itself rather than relying on a pre-built chain: a chain's errbacks are lost when
chains nest (celery #4763, #6441) and a redelivered chain link re-sends the rest of the chain.
A redelivered message (``acks_late``, a lost worker) finds its step done and only re-sends the
next one, which the step claim turns away while it runs (``busy``). A transient failure (NCBI
down) re-sends the same step after a backoff; a permanent one has compensated before the task
returns. The beat sweeper is the backstop for what no message will ever carry on (a worker
SIGKILLed mid-step, a message lost with Redis): it resumes stale steps or compensates.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from celery import Celery, shared_task

from omics.ingest.saga import KIND, ingestion_params
from omics.runtime.ingestion import Ingestion, build_ingestion
from omics.saga.runner import Outcome
from tasks.celery_app import OmicsCelery, omics_app

log = logging.getLogger(__name__)

STEP_TASK = "omics.ingest.step"
# A step may take minutes (a full sync's fetch is ~500 requests at 10/s); the search queue's
# 60 s limit does not apply. The lease and the sweeper, not a time limit, catch a stuck step.
STEP_SOFT_TIME_LIMIT = 3 * 3600
STEP_TIME_LIMIT = STEP_SOFT_TIME_LIMIT + 300
RETRY_BACKOFF_SECONDS = 5.0
DAILY_LOOKBACK_DAYS = 2  # the daily window overlaps the last one: a re-ingested series changes nothing

_lock = threading.Lock()
_wired: dict[int, Ingestion] = {}


def ingestion_of(app: OmicsCelery) -> Ingestion:
    """The ingestion wiring of this Celery app (once per app); a publication queues cache warming."""
    with _lock:
        wired = _wired.get(id(app))
        if wired is None:

            def warm_after_publish(version: int) -> None:
                app.send_task("omics.maintenance.warm_cache", kwargs={"only_if_changed": True})

            wired = _wired[id(app)] = build_ingestion(app.omics_settings, app.redis_url, warm_after_publish)
        return wired


def enqueue_step(app: Celery, saga_id: str, step: str, countdown: float = 0.0) -> None:
    """Queue one step of the saga ``saga_id`` on the ingest queue."""
    app.signature(STEP_TASK, args=(saga_id, step)).apply_async(countdown=countdown or None)


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    bind=True, name=STEP_TASK, soft_time_limit=STEP_SOFT_TIME_LIMIT, time_limit=STEP_TIME_LIMIT
)
def run_step(self: Any, saga_id: str, step: str) -> str:
    """Run one step; send the next (or the same, after a transient failure); return the outcome."""
    app = omics_app(self)
    result = ingestion_of(app).runner.run_step(saga_id, step)
    if result.outcome is Outcome.NEXT and result.next_step:
        enqueue_step(app, saga_id, result.next_step)
    elif result.outcome is Outcome.RETRY and result.next_step:
        enqueue_step(app, saga_id, result.next_step, RETRY_BACKOFF_SECONDS)
    # RETRY without a step (a compensation that failed) is left to the sweeper.
    return result.outcome.value


@shared_task(bind=True, name="omics.ingest.sweep")  # type: ignore[untyped-decorator]  # celery ships no type hints
def sweep_sagas(self: Any, stale_after: float | None = None) -> int:
    """Resume or compensate ingestions untouched for ``stale_after`` seconds (the saga timeout)."""
    app = omics_app(self)
    runner = ingestion_of(app).runner
    timeout = stale_after if stale_after is not None else app.omics_settings.ingest.saga_timeout
    resumed = runner.sweep(timeout)
    for saga_id, step in resumed:
        log.warning("saga %s was stuck at %s: resuming it", saga_id, step)
        enqueue_step(app, saga_id, step)
    return len(resumed)


def start_ingestion(app: OmicsCelery, params: dict[str, Any], owner: str | None) -> str:
    """Record a new ingestion saga and queue its first step; returns its id.

    When the step cannot be queued the saga is compensated (nothing acted yet) before the error
    goes on (the web answers 503), so a retry is not refused as "an ingestion is running".
    """
    runner = ingestion_of(app).runner
    saga_id = runner.start(params, owner)
    try:
        enqueue_step(app, saga_id, runner.first_step)
    except Exception:  # the broker is unreachable: end the saga now rather than leave it to the sweeper
        runner.compensate(saga_id, "its first step could not be queued")
        raise
    return saga_id


def daily_window_start(app: OmicsCelery, today: date) -> date:
    """Where the daily ingest starts: a little before the last completed one began, else yesterday."""
    for saga in ingestion_of(app).runner.store.recent(KIND, limit=50):
        if saga.status == "completed" and saga.params.get("scheduled"):
            return min(saga.created_at.date(), today) - timedelta(days=DAILY_LOOKBACK_DAYS)
    return today - timedelta(days=1)


@shared_task(bind=True, name="omics.ingest.scheduled")  # type: ignore[untyped-decorator]  # celery ships no type hints
def scheduled_ingest(self: Any) -> str | None:
    """The daily incremental ingest (beat, when ``OMICS_INGEST_SCHEDULE`` is set); skipped while one runs."""
    app = omics_app(self)
    if ingestion_of(app).runner.store.active(KIND):
        log.info("daily ingest skipped: an ingestion is still running")
        return None
    today = datetime.now(UTC).date()
    params = {**ingestion_params(daily_window_start(app, today), today), "scheduled": True}
    return start_ingestion(app, params, None)
