"""Celery reliability profile, shared by every process that sends or runs tasks.

Searches are idempotent (state and events are keyed by search id and stage, see
``omics/realtime/event_log.py``), so a message is acknowledged only after the task ran (``acks_late``)
and is redelivered when a worker dies mid-task; the task counts its deliveries and fails a
search that keeps killing workers instead of looping on it. Broker and result URLs are set
by ``tasks.celery_app`` from the one ``REDIS_URL``.
"""

from typing import Any

from celery.schedules import crontab
from kombu.entity import Exchange, Queue  # where they live: kombu's root re-exports them lazily

# Deliveries of one search after which it is failed rather than retried: a search whose worker
# was lost is handed to another worker once (poison guard; issue 10, item 16).
MAX_DELIVERIES = 2

task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1

# Seconds between a consumer's sweeps for messages whose worker vanished (kombu's Redis
# transport: ``unacked_restore_interval``; the throttle of 1 makes every sweep look).
RESTORE_INTERVAL = 5


def time_limits(hard_limit: int, worker_lost_margin: int) -> dict[str, Any]:
    """The task time limits and the broker's redelivery, tied together.

    A search runs in well under a second; the limits stop a runaway query, not a slow one. Only
    the prefork pool (``python app.py worker``) enforces them; under the threads pool of the
    all-in-one run, the reaper in tasks/maintenance.py is the backstop.

    A message a worker took and never acknowledged (the worker was SIGKILLed) becomes visible
    again ``hard_limit + worker_lost_margin`` seconds after it was taken: by then a live worker
    has finished the task or killed it, so the redelivery is of a search nobody is running, and
    no search hangs for the hour of kombu's default. Set alike for broker and results.
    """
    transport = {
        "visibility_timeout": hard_limit + worker_lost_margin,
        "unacked_restore_interval": RESTORE_INTERVAL,
        "unacked_restore_throttle": 1,
    }
    return {
        "task_soft_time_limit": hard_limit * 2 // 3,
        "task_time_limit": hard_limit,
        "broker_transport_options": dict(transport),
        "result_backend_transport_options": dict(transport),
    }


# The defaults (OMICS_SEARCH_TIME_LIMIT, OMICS_WORKER_LOST_MARGIN); create_celery applies the
# process's settings over them.
_defaults = time_limits(90, 20)
task_soft_time_limit = _defaults["task_soft_time_limit"]
task_time_limit = _defaults["task_time_limit"]
broker_transport_options = _defaults["broker_transport_options"]
result_backend_transport_options = _defaults["result_backend_transport_options"]
result_expires = 3600

task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]

# Each queue has its own exchange and routing key, so a maintenance task can never land on
# (and wait behind) the search queue.
task_queues = (
    Queue("search", Exchange("search"), routing_key="search"),  # type: ignore[no-untyped-call]  # kombu's constructors are unannotated
    Queue("maintenance", Exchange("maintenance"), routing_key="maintenance"),  # type: ignore[no-untyped-call]  # kombu's constructors are unannotated
    # Ingestion saga steps (minutes each, see tasks/ingesting.py): never behind or in front of searches.
    Queue("ingest", Exchange("ingest"), routing_key="ingest"),  # type: ignore[no-untyped-call]  # kombu's constructors are unannotated
)
task_default_queue = "search"
task_routes = {
    "omics.search": {"queue": "search", "routing_key": "search"},
    "omics.maintenance.*": {"queue": "maintenance", "routing_key": "maintenance"},
    "omics.ingest.*": {"queue": "ingest", "routing_key": "ingest"},
}


def periodic_tasks(warm_interval: float, l3_sweep_interval: float = 300.0) -> dict[str, dict[str, Any]]:
    """The periodic maintenance; the intervals (seconds) come from the process settings."""
    return {
        # Often enough that a search whose worker was lost is seen soon after its deadline.
        "reap-stale-searches": {"task": "omics.maintenance.reap_stale_searches", "schedule": 15.0},
        # Expired L3 rows are deleted here, not by each search's cache write (issue 10, item 17).
        "sweep-l3-cache": {"task": "omics.maintenance.sweep_l3_cache", "schedule": float(l3_sweep_interval)},
        # Replay the most requested searches into the cache; and, every few seconds, do it at once
        # when the corpus version moved (an ingest), before users ask again.
        "warm-cache": {"task": "omics.maintenance.warm_cache", "schedule": float(warm_interval)},
        "warm-cache-after-ingest": {
            "task": "omics.maintenance.warm_cache",
            "schedule": 10.0,
            "kwargs": {"only_if_changed": True},
        },
    }


def ingest_tasks(daily_at: str, saga_timeout: float) -> dict[str, dict[str, Any]]:
    """The saga sweeper (always) and the daily incremental ingest (only when ``daily_at``, HH:MM UTC, is set).

    The sweeper runs a few times per ``saga_timeout`` so a saga stuck past it (a killed worker,
    a lost message) is resumed or compensated soon after.
    """
    tasks: dict[str, dict[str, Any]] = {
        "sweep-sagas": {"task": "omics.ingest.sweep", "schedule": max(1.0, min(60.0, saga_timeout / 3))}
    }
    if daily_at:
        hour, minute = _clock(daily_at)
        daily = crontab(hour=hour, minute=minute)
        tasks["daily-ingest"] = {"task": "omics.ingest.scheduled", "schedule": daily}
    return tasks


def _clock(text: str) -> tuple[int, int]:
    """``HH:MM`` as (hour, minute); a clear error at start-up for anything else."""
    hour, _, minute = text.strip().partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise ValueError(f"OMICS_INGEST_SCHEDULE must be HH:MM (UTC), not {text!r}")
    return int(hour), int(minute)


broker_connection_retry_on_startup = True
worker_hijack_root_logger = False
worker_send_task_events = False
# Back on the broker within about a second of Redis returning (Celery's default waits up to 30 s).
worker_consumer = "tasks.reconnect:PromptlyReconnectingConsumer"
