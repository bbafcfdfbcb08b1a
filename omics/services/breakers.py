"""The circuit breakers of this process by name, so that its instance record shows their states.

A breaker guards a call that leaves the process (NCBI's E-utilities today) and lives in that
process: one instance may see a dependency failing while another does not. Every heartbeat
copies :func:`breaker_states` into the instance's health, so the admin services listing,
``python app.py services`` and ``/metrics`` (``omics_breaker_open``) show which instance has
which breaker open.
"""

from __future__ import annotations

import threading

import pybreaker

_lock = threading.Lock()
_breakers: dict[str, pybreaker.CircuitBreaker] = {}


def watch_breaker(name: str, breaker: pybreaker.CircuitBreaker) -> None:
    """Report ``breaker``'s state as ``name`` from now on (a later one of that name replaces it)."""
    with _lock:
        _breakers[name] = breaker


def breaker_states() -> dict[str, str]:
    """``{name: "closed" | "open" | "half-open"}`` for every watched breaker of this process."""
    with _lock:
        return {name: str(breaker.current_state) for name, breaker in sorted(_breakers.items())}
