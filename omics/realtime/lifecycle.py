"""The one place a search moves through its life: queued, running stages, completed or failed.

Each step writes the stored state (:class:`SearchStore`) and the event stream (:class:`EventLog`)
together, so what ``GET`` says and what a WebSocket hears never disagree, and a search has
exactly one terminal event. Every step is safe to repeat: a redelivered task reports a stage
again and emits nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from omics.realtime.event_log import EventLog
from omics.realtime.keys import TERMINAL_EVENT_KEY
from omics.realtime.search_state import SearchState, SearchStore
from omics.search.request import SearchRequest


@dataclass(frozen=True)
class SearchLifecycle:
    """Start, advance, complete and fail searches on one Redis."""

    store: SearchStore
    events: EventLog

    def start(self, request: SearchRequest, owner: str | None, search_id: str | None = None) -> str:
        """Store a queued search of ``owner`` and return its id (``search_id`` when given)."""
        return self.store.create(request, owner, search_id)

    def advance(self, search_id: str, stage: str, progress: int, detail: dict[str, Any]) -> None:
        """Record that ``stage`` really finished, and tell whoever watches."""
        self.store.advance(search_id, stage, progress)
        self.events.emit(
            search_id,
            f"stage:{stage}",
            {
                "type": "progress",
                "stage": stage,
                "progress": progress,
                "detail": detail,
            },
        )

    def complete(
        self, search_id: str, document: dict[str, Any], before_announcing: Callable[[], None] | None = None
    ) -> None:
        """Store the result, run ``before_announcing`` (e.g. caching it), then announce completion."""
        self.store.complete(search_id, document)
        if before_announcing is not None:
            before_announcing()
        self.announce_completed(search_id, document["total"], document.get("total_partial", 0))

    def announce_completed(self, search_id: str, total: int | None, total_partial: int = 0) -> None:
        """The terminal event of a completed search (a no-op when it was emitted already)."""
        self.events.emit(
            search_id,
            TERMINAL_EVENT_KEY,
            {
                "type": "completed",
                "stage": "completed",
                "progress": 100,
                "total": total,
                "total_partial": total_partial,
            },
        )

    def fail(self, search_id: str, code: str, message: str) -> None:
        """Mark a search failed and emit its terminal event (once)."""
        state = self.store.get(search_id)
        self.store.fail(search_id, code, message)
        self.events.emit(
            search_id,
            TERMINAL_EVENT_KEY,
            {
                "type": "failed",
                "stage": state.stage if state else "failed",
                "progress": state.progress if state else 0,
                "error": {"code": code, "message": message},
            },
        )

    def restore(self, request: SearchRequest, owner: str | None, document: dict[str, Any]) -> SearchState:
        """A new completed search of ``owner`` holding ``document`` (a result known from elsewhere)."""
        search_id = self.start(request, owner)
        self.complete(search_id, document)
        state = self.store.get(search_id)
        assert state is not None, "a search just written is readable"
        return state
