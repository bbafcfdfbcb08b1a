"""How much search work waits, and which searches wait behind which.

Signed-in searches are sent at the search queue's top priority and anonymous ones at a lower
one. The Redis transport keeps one list per priority step of a queue and every worker pops them
highest first (the same ``BRPOP`` an older worker already issues, so a rolling upgrade loses
nothing), so a flood of anonymous searches waits behind, and never in front of, a signed-in
user's search. Each caller's searches in flight are bounded by the web layer, so no single
signed-in caller can hold the top priority either.

:func:`search_backlog` counts the messages waiting in the search queue (all priority steps);
the web layer refuses new searches with 503 above ``OMICS_MAX_QUEUE_BACKLOG`` instead of
accepting work that would be late.
"""

from __future__ import annotations

import threading
import time

from celery import Celery

SEARCH_QUEUE = "search"
SIGNED_IN_PRIORITY = 0  # the Redis transport's highest priority: its plain list, popped first
ANONYMOUS_PRIORITY = 6  # a lower priority step of the same queue (kombu's steps: 0, 3, 6, 9)
BACKLOG_CACHE_SECONDS = 1.0  # how long a process reuses a count (one Redis round trip per second)

_counted: dict[int, tuple[float, int]] = {}
_counted_lock = threading.Lock()


def search_priority(signed_in: bool) -> int:
    return SIGNED_IN_PRIORITY if signed_in else ANONYMOUS_PRIORITY


def search_backlog(app: Celery) -> int:
    """Messages waiting (not yet taken by a worker) in the search queue, counted at most once a second."""
    now = time.monotonic()
    with _counted_lock:
        counted = _counted.get(id(app))
        if counted is not None and now - counted[0] < BACKLOG_CACHE_SECONDS:
            return counted[1]
    with app.pool.acquire(block=True) as connection:
        declared = connection.default_channel.queue_declare(
            queue=SEARCH_QUEUE, durable=True, auto_delete=False
        )
    waiting = int(declared.message_count)
    with _counted_lock:
        _counted[id(app)] = (now, waiting)
    return waiting
