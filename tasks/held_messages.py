"""Which searches the broker still holds a message for: the reaper's view into kombu's Redis keys.

kombu's Redis transport keeps a queue's waiting messages in one list per priority step (the
queue's name for the top priority, ``<name><sep><step>`` for the others: see ``tasks.backlog``),
and a message a worker took but has not acknowledged in the ``unacked`` hash until the task ends (or,
when the worker died, until the visibility timeout hands it out again). A search that is neither
finished nor in either place has lost its message: a worker popped it and was killed before it
recorded it (or a queue was flushed), and no redelivery will ever come.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

import redis
from kombu.transport.redis import PRIORITY_STEPS, Channel

from omics.connections.redis import as_text

UNACKED_KEY = "unacked"  # kombu's default ``unacked_key`` (not overridden in celeryconfig)
SEARCH_TASK = "omics.search"


def held_searches(client: redis.Redis, queues: Iterable[str]) -> set[str]:
    """Ids of the searches with a message waiting in one of ``queues`` or taken and unacknowledged."""
    lists = [
        queue if not step else f"{queue}{Channel.sep}{step}" for queue in queues for step in PRIORITY_STEPS
    ]
    waiting = [json.loads(as_text(raw)) for name in lists for raw in client.lrange(name, 0, -1)]
    taken = [json.loads(as_text(raw))[0] for raw in client.hvals(UNACKED_KEY)]
    return {search_id for message in waiting + taken if (search_id := _search_of(message)) is not None}


def _search_of(message: dict[str, Any]) -> str | None:
    """The search id a Celery message (protocol 2, JSON) runs, or None for another task."""
    if message.get("headers", {}).get("task") != SEARCH_TASK:
        return None
    body = message.get("body", "")
    if message.get("properties", {}).get("body_encoding") == "base64":
        body = base64.b64decode(body)
    args = json.loads(body)[0]
    return str(args[0]) if args else None
