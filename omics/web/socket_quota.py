"""How many progress WebSockets one process holds, in all and per client address.

Each open socket costs a thread (or a greenlet) and memory for as long as it stays open, so
without a bound a few clients could hold a process's whole capacity. Over either bound a new
socket is closed at once with 1013 ("try again later"). Counts are per process: a deployment
of N web processes holds at most N times ``OMICS_WS_MAX_PER_PROCESS``.
"""

from __future__ import annotations

import threading
from collections import Counter


class SocketQuota:
    """Counts sockets per address under a lock; :meth:`acquire` refuses over either bound."""

    def __init__(self, per_address: int, per_process: int) -> None:
        self.per_address = per_address
        self.per_process = per_process
        self._lock = threading.Lock()
        self._open: Counter[str] = Counter()
        self._total = 0

    def acquire(self, address: str) -> bool:
        """Count one more socket of ``address``; False (nothing counted) when over a bound."""
        with self._lock:
            if self._total >= self.per_process or self._open[address] >= self.per_address:
                return False
            self._open[address] += 1
            self._total += 1
            return True

    def release(self, address: str) -> None:
        """Forget one socket of ``address`` (each successful :meth:`acquire` is released once)."""
        with self._lock:
            self._open[address] -= 1
            if self._open[address] <= 0:
                del self._open[address]
            self._total -= 1

    @property
    def total(self) -> int:
        return self._total
