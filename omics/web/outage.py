"""A Redis outage, as the web process reports it: one log line when it starts, one when it ends.

While Redis is away every request that needs it answers 503 with ``Retry-After``
(``omics.web.errors``); logging each of them would write a line per request (hundreds a second)
and bury the one fact an operator needs. So the first failure logs the outage and starts a
probe that pings Redis every :data:`PROBE_INTERVAL` seconds; the first answer logs its end,
with how long it lasted and how many requests were refused meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

PROBE_INTERVAL = 0.5


class OutageWatch:
    """Counts refused requests of one app and logs the outage's start and end, once each."""

    def __init__(self, probe: Callable[[], object], interval: float = PROBE_INTERVAL) -> None:
        self._probe = probe
        self._interval = interval
        self._lock = threading.Lock()
        self._since: float | None = None
        self._refused = 0

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def refused(self, error: Exception) -> None:
        """A request was answered 503 because of ``error``: log it if it starts an outage."""
        with self._lock:
            self._refused += 1
            if self._since is not None:
                return
            self._since = time.monotonic()
        log.error(
            "Redis unavailable (%s: %s): answering 503 with Retry-After until it returns",
            type(error).__name__,
            error,
        )
        threading.Thread(target=self._wait_for_return, name="redis-outage-probe", daemon=True).start()

    def _wait_for_return(self) -> None:
        while not self._answers():
            time.sleep(self._interval)
        with self._lock:
            since, refused = self._since or time.monotonic(), self._refused
            self._since, self._refused = None, 0
        log.warning(
            "Redis available again after %.1f s; %d requests were answered 503 meanwhile",
            time.monotonic() - since,
            refused,
        )

    def _answers(self) -> bool:
        try:
            self._probe()
        except Exception:  # any failure of the probe means "not back yet"
            return False
        return True
