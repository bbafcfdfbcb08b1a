"""Periodic maintenance on the ``maintenance`` queue (scheduled by beat).

The reaper is the backstop of the search lifecycle: a search whose worker vanished and whose
message the broker did not hand out again is re-sent once, then failed with a terminal event
(see ``omics.realtime.stranded``), so no client watches a search that will never finish. The
L3 sweep deletes expired cache rows, which no search's cache write does any more.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

import celeryconfig
from omics.realtime.stranded import Deadlines, Reaper
from tasks.celery_app import omics_app
from tasks.held_messages import held_searches
from tasks.searching import enqueue_search

# A search no worker picked up this long after it was queued (or re-sent): its message was
# lost, or the queue is hopelessly behind.
STALE_AFTER_SECONDS = 300


@shared_task(bind=True, name="omics.maintenance.reap_stale_searches")  # type: ignore[untyped-decorator]  # celery ships no type hints
def reap_stale_searches(self: Any, stale_after: float = STALE_AFTER_SECONDS) -> int:
    """Re-send, or fail, the searches past their deadline; return how many were acted on."""
    app = omics_app(self)
    service = app.omics_settings.service
    deadlines = Deadlines.of(
        service.search_time_limit, service.worker_lost_margin, celeryconfig.RESTORE_INTERVAL, stale_after
    )
    queues = [queue.name for queue in celeryconfig.task_queues]
    reaper = Reaper(
        app.services.lifecycle,
        deadlines,
        held=lambda: held_searches(app.services.redis, queues),
        # At the top priority, whoever asked: a re-sent search has waited its turn once already.
        resend=lambda search_id: enqueue_search(app, search_id),
    )
    verdicts = reaper.sweep()
    return verdicts["resent"] + verdicts["failed"]


@shared_task(bind=True, name="omics.maintenance.sweep_l3_cache")  # type: ignore[untyped-decorator]  # celery ships no type hints
def sweep_l3_cache(self: Any) -> int:
    """Delete the L3 cache's expired rows (and any above its bound); return how many."""
    return omics_app(self).cache.sweep_l3()
