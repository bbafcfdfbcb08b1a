"""NCBI's request rate, shared by every process through Redis with the ``limits`` library.

NCBI allows 3 requests a second per address (10 with an API key) and blocks callers who go
over. Every worker, the command line and the scheduled ingest draw from one moving window in
Redis, so running more of them never multiplies the rate. A caller over the limit waits until
the window frees a slot rather than failing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RequestPacer:
    """Blocks each request until the shared per-second window has room for it."""

    def __init__(
        self,
        storage_url: str,
        per_second: int,
        identity: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
        self._item = RateLimitItemPerSecond(per_second)
        # Keyed by who NCBI counts: the API key (hashed, never stored in Redis) or the address.
        self._key = hashlib.sha256(identity.encode()).hexdigest()[:16]
        self._sleep = sleep

    def acquire(self) -> None:
        """Return once this process may send one more request to NCBI."""
        while not self._limiter.hit(self._item, "omics:ncbi", self._key):
            stats = self._limiter.get_window_stats(self._item, "omics:ncbi", self._key)
            self._sleep(min(1.0, max(0.01, stats.reset_time - time.time())))
