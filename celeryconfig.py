"""Celery reliability profile, shared by every process that sends or runs tasks.

Searches are idempotent (state and events are keyed by search id and stage, see
``omics/realtime/event_log.py``), so a message is acknowledged only after the task ran (``acks_late``)
and is redelivered when a worker dies mid-task; the task counts its deliveries and fails a
search that keeps killing workers instead of looping on it. Broker and result URLs are set
by ``tasks.celery_app`` from the one ``REDIS_URL``.
"""

from typing import Any

from kombu.entity import Exchange, Queue  # where they live: kombu's root re-exports them lazily

# Deliveries of one search after which it is failed rather than retried (poison guard).
MAX_DELIVERIES = 3

# A search runs in well under a second; the limits stop a runaway query, not a slow one.
# Only the prefork pool (`python app.py worker`) enforces them; under the threads pool of
# the all-in-one run, the reaper in tasks/maintenance.py is the backstop.
task_soft_time_limit = 60
task_time_limit = 90

task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1

# Unacknowledged messages come back after this long: far above the hard time limit, so a
# slow-but-alive task is never delivered twice. Set alike for broker and results.
_transport_options = {"visibility_timeout": 3600}
broker_transport_options = dict(_transport_options)
result_backend_transport_options = dict(_transport_options)
result_expires = 3600

task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]

# Each queue has its own exchange and routing key, so a maintenance task can never land on
# (and wait behind) the search queue.
task_queues = (
    Queue("search", Exchange("search"), routing_key="search"),  # type: ignore[no-untyped-call]  # kombu's constructors are unannotated
    Queue("maintenance", Exchange("maintenance"), routing_key="maintenance"),  # type: ignore[no-untyped-call]  # kombu's constructors are unannotated
)
task_default_queue = "search"
task_routes = {
    "omics.search": {"queue": "search", "routing_key": "search"},
    "omics.maintenance.*": {"queue": "maintenance", "routing_key": "maintenance"},
}


def periodic_tasks(warm_interval: float) -> dict[str, dict[str, Any]]:
    """The periodic maintenance; ``warm_interval`` (seconds) comes from the process settings."""
    return {
        "reap-stale-searches": {"task": "omics.maintenance.reap_stale_searches", "schedule": 60.0},
        # Replay the most requested searches into the cache; and, every few seconds, do it at once
        # when the corpus version moved (an ingest), before users ask again.
        "warm-cache": {"task": "omics.maintenance.warm_cache", "schedule": float(warm_interval)},
        "warm-cache-after-ingest": {
            "task": "omics.maintenance.warm_cache",
            "schedule": 10.0,
            "kwargs": {"only_if_changed": True},
        },
    }


broker_connection_retry_on_startup = True
worker_hijack_root_logger = False
worker_send_task_events = False
# Back on the broker within about a second of Redis returning (Celery's default waits up to 30 s).
worker_consumer = "tasks.reconnect:PromptlyReconnectingConsumer"
