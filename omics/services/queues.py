"""How much work waits on each Celery queue, read straight from the Redis broker.

Kombu's Redis transport keeps a queue as a list named after it: producers push on the left,
workers pop from the right, so the right end is the oldest waiting message. Its age comes from
the ``sent_at`` the message envelope carries (see :mod:`omics.services.envelope`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import redis

from omics.connections.redis import as_text
from omics.services.envelope import SENT_AT


def _oldest_age(client: redis.Redis, queue: str) -> float | None:
    raw = client.lindex(queue, -1)
    if raw is None:
        return None
    try:
        sent_at = json.loads(as_text(raw))["headers"][SENT_AT]
    except (ValueError, KeyError, TypeError):
        return None  # a message sent by a producer without the envelope
    return round(max(0.0, time.time() - float(sent_at)), 3)


def queue_depths(client: redis.Redis, queues: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{queue: {"depth": waiting messages, "oldest_seconds": age of the oldest or None}}``."""
    return {
        queue: {"depth": int(client.llen(queue)), "oldest_seconds": _oldest_age(client, queue)}
        for queue in queues
    }
