"""The search task: runs the engine for one stored search and reports each real stage.

The task is idempotent: it reads the request from the search store (not from the message),
skips a search that already finished, and emits each stage through the event log's
once-per-key script, so a redelivery after a worker loss neither duplicates nor skips an
event. Any failure ends the search with a ``failed`` event; the client never waits forever.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

import celeryconfig
from omics.events import TERMINAL_KEY
from omics.runtime import SearchServices
from omics.search_store import completed_document
from tasks.celery_app import context
from tasks.warming import remember_completed

log = logging.getLogger(__name__)


def fail_search(ctx: SearchServices, search_id: str, code: str, message: str) -> None:
    """Mark a search failed and emit its terminal event (once)."""
    state = ctx.store.get(search_id)
    ctx.store.fail(search_id, code, message)
    ctx.events.emit(search_id, TERMINAL_KEY, {
        "type": "failed", "stage": state.stage if state else "failed",
        "progress": state.progress if state else 0, "error": {"code": code, "message": message},
    })


def _reporter(ctx: SearchServices, search_id: str) -> Any:
    def report(stage: str, progress: int, detail: dict[str, Any]) -> None:
        ctx.store.advance(search_id, stage, progress)
        ctx.events.emit(search_id, f"stage:{stage}", {
            "type": "progress", "stage": stage, "progress": progress, "detail": detail,
        })

    return report


def _announce_terminal(ctx: SearchServices, search_id: str, status: str, total: int | None) -> None:
    """Emit the terminal event of an already finished search (a no-op if it was emitted)."""
    if status == "completed":
        ctx.events.emit(search_id, TERMINAL_KEY, {
            "type": "completed", "stage": "completed", "progress": 100, "total": total,
        })


@shared_task(bind=True, name="omics.search")
def run_search(self: Any, search_id: str) -> str:
    """Run the stored search ``search_id``; return its final status."""
    ctx = context(self.app)
    state = ctx.store.get(search_id)
    if state is None:
        log.warning("search %s expired before it ran", search_id)
        return "missing"
    if state.terminal:
        _announce_terminal(ctx, search_id, state.status, state.total)
        return state.status
    if ctx.store.count_delivery(search_id) > celeryconfig.MAX_DELIVERIES:
        fail_search(ctx, search_id, "poison", "the search failed its workers repeatedly")
        return "failed"
    report = _reporter(ctx, search_id)
    report("started", 0, {})
    try:
        outcome = ctx.engine.search(state.request, report)
        document = completed_document(ctx.engine, state.request, outcome)
    except SoftTimeLimitExceeded:
        fail_search(ctx, search_id, "timeout", "the search took too long")
        return "failed"
    except Exception as exc:  # the engine is third-party to this task: any error fails the search
        log.exception("search %s failed", search_id)
        fail_search(ctx, search_id, "engine_error", type(exc).__name__)
        return "failed"
    ctx.store.complete(search_id, document)
    remember_completed(self.app, state, document)  # cached before anyone hears it completed
    _announce_terminal(ctx, search_id, "completed", document["total"])
    return "completed"
