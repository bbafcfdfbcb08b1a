"""A worker that is back on the broker within about a second of Redis returning.

Celery's consumer retries a lost broker connection with kombu's defaults: sleeping 2 s, then
4 s, 6 s, ... up to 30 s between attempts, so after an outage of half a minute a worker could
stay deaf (no searches, no answer to the readiness ping) for up to 30 s after Redis is back.
Connecting to a Redis that is down is a refused connection on a known address, cheap enough to
try every :data:`RETRY_INTERVAL_MAX` seconds.
"""

from __future__ import annotations

import functools
from typing import Any

from celery.worker.consumer import Consumer

RETRY_INTERVAL_START = 0.25
RETRY_INTERVAL_STEP = 0.25
RETRY_INTERVAL_MAX = 1.0


class PromptlyReconnectingConsumer(Consumer):  # type: ignore[misc]  # celery ships no type hints
    """Celery's consumer, retrying a lost broker connection at most a second apart."""

    def ensure_connected(self, conn: Any) -> Any:
        conn.ensure_connection = functools.partial(
            conn.ensure_connection,
            interval_start=RETRY_INTERVAL_START,
            interval_step=RETRY_INTERVAL_STEP,
            interval_max=RETRY_INTERVAL_MAX,
        )
        return super().ensure_connected(conn)
