"""Searches as they happen: stored state, the per-search event stream, and live delivery.

:class:`SearchLifecycle` alone moves a search from queued to completed or failed; the
:class:`Hub` fans one Redis subscription per process out to the sockets watching a search.
"""

from omics.realtime.event_log import EventLog, is_terminal, parse_published
from omics.realtime.hub import REDIS_LOST, RESYNC, Hub
from omics.realtime.keys import TERMINAL_STATUSES
from omics.realtime.lifecycle import SearchLifecycle
from omics.realtime.search_state import SearchState, SearchStore

__all__ = [
    "REDIS_LOST",
    "RESYNC",
    "TERMINAL_STATUSES",
    "EventLog",
    "Hub",
    "SearchLifecycle",
    "SearchState",
    "SearchStore",
    "is_terminal",
    "parse_published",
]
