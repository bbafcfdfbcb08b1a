"""Periodic maintenance on the ``maintenance`` queue (scheduled by beat).

The reaper is the backstop of the search lifecycle: a search whose worker vanished and whose
message was lost (or that outlived every time limit) is failed with a terminal event, so no
client watches a search that will never finish.
"""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task

import celeryconfig
from tasks.celery_app import omics_app

# A search still active this long after creation can no longer be running anywhere.
STALE_AFTER_SECONDS = celeryconfig.task_time_limit * (celeryconfig.MAX_DELIVERIES + 1) + 60


@shared_task(bind=True, name="omics.maintenance.reap_stale_searches")  # type: ignore[untyped-decorator]  # celery ships no type hints
def reap_stale_searches(self: Any, stale_after: float = STALE_AFTER_SECONDS) -> int:
    """Fail every search that stayed active longer than ``stale_after`` seconds; return how many."""
    services = omics_app(self).services
    reaped = 0
    for search_id in services.store.stale(time.time() - stale_after):
        state = services.store.get(search_id)
        if state is not None and not state.terminal:
            services.lifecycle.fail(search_id, "stale", "the search did not finish in time")
            reaped += 1
        services.store.forget_active(search_id)
    return reaped
