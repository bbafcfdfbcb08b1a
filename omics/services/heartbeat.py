"""The thread that keeps one process's instance record alive in the registry."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from omics.services.breakers import breaker_states
from omics.services.instance import Instance
from omics.services.registry import Registry

log = logging.getLogger(__name__)

HealthProbe = Callable[[], dict[str, Any]]


def liveness_only() -> dict[str, Any]:
    """The health of a role with nothing to wait for: alive is ready."""
    return {"live": "ok", "ready": "ok"}


class Heartbeat:
    """Refreshes ``instance`` every ``interval`` seconds with what ``probe`` reports.

    A failing probe or an unreachable Redis is logged and retried on the next beat: the
    heartbeat never takes its process down (liveness does not depend on other services).
    """

    def __init__(self, registry: Registry, instance: Instance, probe: HealthProbe, interval: float) -> None:
        self.registry = registry
        self.instance = instance
        self._probe = probe
        self._interval = interval
        self._stopped = threading.Event()
        self._beating = threading.Lock()  # a beat in flight never re-registers a stopped instance
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{instance.role}", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def beat(self) -> None:
        """Probe and refresh once."""
        try:
            health = {"live": "ok", **self._probe()}
        except Exception as exc:  # a probe's failure is reported as health, whatever it was
            health = {"live": "ok", "ready": f"{type(exc).__name__}: {exc}"}
        breakers = breaker_states()
        if breakers:
            health["breakers"] = breakers
        with self._beating:
            if not self._stopped.is_set():
                self.instance.health = health
                self.registry.heartbeat(self.instance)

    def stop(self) -> None:
        """Stop beating and deregister (best effort: Redis may be gone)."""
        with self._beating:
            self._stopped.set()
        try:
            self.registry.deregister(self.instance)
        except Exception as exc:  # the record then expires after its TTL
            log.warning("could not deregister %s: %s", self.instance.instance_id, exc)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self.beat()
            except Exception as exc:  # Redis down: the next beat tries again
                log.warning("heartbeat of %s failed: %s", self.instance.instance_id, exc)
            self._stopped.wait(self._interval)
