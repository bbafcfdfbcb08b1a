"""Redis key formats of a search and the statuses that end it, defined once for every writer.

Every key of one search carries the search id as a hash tag (``{id}``), so in a Redis Cluster
they share a slot, and they expire together with the search.
"""

from __future__ import annotations

TERMINAL_STATUSES = frozenset({"completed", "failed"})
TERMINAL_EVENT_KEY = "terminal"  # idempotency key of the one terminal event of a search

EVENTS_CHANNEL = "omics:events"
ACTIVE_INDEX = "omics:searches:active"


def state_key(search_id: str) -> str:
    return f"omics:search:{{{search_id}}}"


def results_key(search_id: str) -> str:
    return f"omics:search:{{{search_id}}}:results"


def stream_key(search_id: str) -> str:
    return f"omics:search:{{{search_id}}}:events"


def ledger_key(search_id: str) -> str:
    return f"omics:search:{{{search_id}}}:emitted"
