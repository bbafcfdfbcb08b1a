"""The search task: runs the engine for one stored search and reports each real stage.

The task is idempotent: it reads the request from the search store (not from the message),
skips a search that already finished, and reports through the search lifecycle, whose
once-per-key events mean a redelivery after a worker loss neither duplicates nor skips an
event (a search whose worker was lost is redelivered once, see ``celeryconfig.time_limits``).
Any failure ends the search with a ``failed`` event; the client never waits forever.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from celery import Celery, shared_task
from celery.exceptions import SoftTimeLimitExceeded

import celeryconfig
from omics.search.budget import SearchOverBudget
from omics.search.presentation import completed_document
from omics.telemetry import stage_spans
from tasks.celery_app import omics_app

log = logging.getLogger(__name__)


@shared_task(bind=True, name="omics.search")  # type: ignore[untyped-decorator]  # celery ships no type hints
def run_search(self: Any, search_id: str) -> str:
    """Run the stored search ``search_id``; return its final status."""
    app = omics_app(self)
    services = app.services
    lifecycle = services.lifecycle
    state = services.store.get(search_id)
    if state is None:
        log.warning("search %s expired before it ran", search_id)
        return "missing"
    if state.terminal:
        if state.status == "completed":
            lifecycle.announce_completed(search_id, state.total, state.total_partial)
        return state.status
    if services.store.count_delivery(search_id) > celeryconfig.MAX_DELIVERIES:
        lifecycle.fail(
            search_id, "poison", "the workers running this search stopped twice; it is not retried again"
        )
        return "failed"
    lifecycle.advance(search_id, "started", 0, {})
    report = stage_spans(functools.partial(lifecycle.advance, search_id))
    try:
        outcome = services.engine.search(state.request, report)
        document = completed_document(services.engine, state.request, outcome)
    except SoftTimeLimitExceeded:
        lifecycle.fail(search_id, "timeout", "the search took too long")
        return "failed"
    except SearchOverBudget as over:  # the engine stopped it between stages: say where and why
        lifecycle.fail(search_id, "timeout", str(over))
        return "failed"
    except Exception as exc:  # the engine is third-party to this task: any error fails the search
        log.exception("search %s failed", search_id)
        lifecycle.fail(search_id, "engine_error", type(exc).__name__)
        return "failed"
    # In the fast tiers before anyone hears it completed, so a client that asks again hits the
    # cache; the durable L3 copy is written after the announcement, off the search's path.
    lifecycle.complete(
        search_id,
        document,
        before_announcing=lambda: app.cache.remember_completed(
            state.request, search_id, state.owner, document
        ),
    )
    app.cache.persist_completed(state.request, search_id, state.owner, document)
    return "completed"


def enqueue_search(app: Celery, search_id: str, priority: int = 0) -> None:
    """Queue the stored search ``search_id`` on ``app``'s broker (routed to the search queue);
    ``priority`` 0 is popped first (see ``tasks.backlog``)."""
    app.signature(run_search.name, args=(search_id,)).apply_async(priority=priority)
