"""Redis key formats of a search and the statuses that end it, defined once for every writer.

Every key of one search carries the search id as a hash tag (``{id}``), so in a Redis Cluster
they share a slot, and they expire together with the search.
"""

from __future__ import annotations

TERMINAL_STATUSES = frozenset({"completed", "failed"})
# Event types that end a stream: a search's, or a saga's (which may end compensated).
TERMINAL_EVENT_TYPES = TERMINAL_STATUSES | {"compensated"}
TERMINAL_EVENT_KEY = "terminal"  # idempotency key of the one terminal event of a search

EVENTS_CHANNEL = "omics:events"
ACTIVE_INDEX = "omics:searches:active"


def state_key(search_id: str) -> str:
    return f"omics:search:{{{search_id}}}"


def results_key(search_id: str) -> str:
    return f"omics:search:{{{search_id}}}:results"


def packed_key(search_id: str) -> str:
    """A search's results packed in one string (``OMICS_COMPACT_RESULTS``; see ``search_state``)."""
    return f"omics:search:{{{search_id}}}:packed"


def stream_key(topic: str, kind: str = "search") -> str:
    """The event stream of one search (or, for another ``kind``, one saga or one user's channel)."""
    return f"omics:{kind}:{{{topic}}}:events"


def ledger_key(topic: str, kind: str = "search") -> str:
    return f"omics:{kind}:{{{topic}}}:emitted"


def watch_key(kind: str, topic: str) -> str:
    """What a socket watches in the hub: a search id as before, ``<kind>:<id>`` for other streams."""
    return topic if kind == "search" else f"{kind}:{topic}"
