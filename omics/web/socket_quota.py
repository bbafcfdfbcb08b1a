"""How many progress WebSockets one process holds, in all and per client address.

Each open socket costs a thread (or a greenlet) and memory for as long as it stays open, so
without a bound a few clients could hold a process's whole capacity. Over either bound a new
socket is closed at once with 1013 ("try again later"). Counts are per process: a deployment
of N web processes holds at most N times ``OMICS_WS_MAX_PER_PROCESS``.

The server itself has a connection cap (gunicorn's ``worker_connections`` under gevent,
``OMICS_WEB_CONNECTIONS``; its threads under gthread): a connection over it is not even
accepted, so sockets that filled it would leave no connection for ``/health/live``, a POST or
a new handshake. :func:`process_socket_cap` keeps the socket bound ``OMICS_WEB_HEADROOM``
below the server's cap (at most a quarter of it), so those always find a free connection.
"""

from __future__ import annotations

import threading
from collections import Counter


def process_socket_cap(configured: int, server_connections: int, headroom: int) -> int:
    """Sockets a process may hold: ``configured``, but never within ``headroom`` connections of
    the server's cap (the headroom is at most a quarter of a small cap, so sockets still fit)."""
    reserved = min(headroom, server_connections // 4)
    return max(0, min(configured, server_connections - reserved))


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
