"""Running a saga from its persisted state: one step at a time, compensating on failure.

Every entry point reads the saga from the database and is safe to call again, because Celery
may deliver a step twice (``acks_late``) and chain errbacks can be lost (celery #4763, #6441):
the database, not the message, says where a saga is. ``run_step`` claims a step under a
lease, records its compensation, acts, and records the result; a transient error releases the
step for a retry (up to ``max_attempts``), anything else compensates: every step that may have
acted is undone in reverse order with the data it recorded. ``sweep`` is the backstop for a
killed worker or a lost message: it hands back stale steps to resume, and compensates sagas
that have used up their attempts or whose compensation was interrupted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from omics.saga.definition import JsonDict, SagaDefinition, StepContext
from omics.saga.store import SagaStore, SagaView, utcnow

log = logging.getLogger(__name__)

TERMINAL_KEY = "terminal"
MAX_COMPENSATION_ATTEMPTS = 5
UNDOABLE = ("running", "done", "failed")

# (saga id, idempotency key, event): the adapter turns these into a progress stream.
SagaListener = Callable[[str, str, JsonDict], object]


def _ignore(saga_id: str, key: str, event: JsonDict) -> None:
    """Default listener for runs nobody watches."""


class Outcome(Enum):
    NEXT = "next"  # the step is done; run the next one
    COMPLETED = "completed"  # the last step is done
    RETRY = "retry"  # a transient failure; run this step again later
    COMPENSATED = "compensated"
    FAILED = "failed"  # compensation itself kept failing: needs an operator
    BUSY = "busy"  # another runner holds the step
    STOPPED = "stopped"  # the saga is not running (finished, compensating, unknown)


@dataclass(frozen=True)
class StepResult:
    outcome: Outcome
    next_step: str | None = None
    error: str | None = None


class SagaRunner:
    """Runs sagas of one definition against one store, telling ``listener`` as they go."""

    def __init__(
        self,
        definition: SagaDefinition,
        store: SagaStore,
        listener: SagaListener = _ignore,
        lease_seconds: float = 900,
        max_attempts: int = 3,
    ) -> None:
        self.definition = definition
        self.store = store
        self.listener = listener
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts

    @property
    def first_step(self) -> str:
        return self.definition.steps[0].name

    def start(self, params: JsonDict, owner: str | None = None) -> str:
        steps = [step.name for step in self.definition.steps]
        saga_id = self.store.create(self.definition.kind, steps, params, owner)
        self._emit(saga_id, "started", "progress", "started", 0, {})
        return saga_id

    # -- forward -----------------------------------------------------------------------
    def run_step(self, saga_id: str, name: str) -> StepResult:
        saga = self.store.view(saga_id)
        if saga is None or saga.status != "running":
            return StepResult(Outcome.STOPPED)
        if saga.step(name).status == "done":
            return self._advance(saga_id, name)
        if not self.store.claim(saga_id, name, self.lease):
            return StepResult(Outcome.BUSY)
        step = self.definition.step(name)
        context = self._context(saga, name)
        self._emit(saga_id, f"step:{name}", "progress", name, self.definition.progress(name, False), {})
        try:
            compensation = step.prepare(context)
            self.store.write_step(saga_id, name, compensation=compensation)  # committed before acting
            result = step.act(context)
        except self.definition.transient as error:
            return self._transient(saga_id, name, error)
        except Exception as error:  # a step is foreign code: any other failure is for good
            log.exception("saga %s step %s failed", saga_id, name)
            self.store.write_step(
                saga_id, name, status="failed", error=_describe(error), finished_at=utcnow()
            )
            return self.compensate(saga_id, f"{name}: {_describe(error)}")
        self.store.write_step(saga_id, name, status="done", result=result, finished_at=utcnow())
        self.store.add_counts(saga_id, result.get("counts", {}))
        detail = {"counts": result.get("counts", {})}
        self._emit(saga_id, f"done:{name}", "progress", name, self.definition.progress(name, True), detail)
        return self._advance(saga_id, name)

    def run_to_end(self, saga_id: str, step: str | None = None, backoff: float = 5.0) -> str:
        """Run every remaining step in this process (the command line's way); return the final status."""
        name = step or self.first_step
        while True:
            result = self.run_step(saga_id, name)
            if result.outcome is Outcome.NEXT and result.next_step:
                name = result.next_step
            elif result.outcome is Outcome.RETRY:
                time.sleep(backoff)
            else:
                view = self.store.view(saga_id)
                return view.status if view else "unknown"

    def _advance(self, saga_id: str, name: str) -> StepResult:
        following = self.definition.after(name)
        if following is not None:
            return StepResult(Outcome.NEXT, following)
        if self.store.set_status(saga_id, "completed", only_from="running"):
            view = self.store.view(saga_id)
            self._terminal(saga_id, "completed", "completed", 100, view)
        return StepResult(Outcome.COMPLETED)

    def _transient(self, saga_id: str, name: str, error: BaseException) -> StepResult:
        saga = self.store.view(saga_id)
        attempts = saga.step(name).attempts if saga else self.max_attempts
        if attempts >= self.max_attempts:
            self.store.write_step(
                saga_id, name, status="failed", error=_describe(error), finished_at=utcnow()
            )
            return self.compensate(saga_id, f"{name}: {_describe(error)} (after {attempts} attempts)")
        log.warning("saga %s step %s: %s; will retry", saga_id, name, error)
        self.store.write_step(saga_id, name, status="pending", error=_describe(error))
        return StepResult(Outcome.RETRY, name, _describe(error))

    def _fail_step(self, saga_id: str, name: str, error: BaseException) -> None:
        self.store.write_step(saga_id, name, status="failed", error=_describe(error), finished_at=utcnow())

    # -- backward ----------------------------------------------------------------------
    def compensate(self, saga_id: str, error: str) -> StepResult:
        """Undo, in reverse order, every step that may have acted; idempotent."""
        saga = self.store.view(saga_id)
        if saga is None or saga.status in ("completed", "compensated", "failed"):
            return StepResult(Outcome.STOPPED)
        self.store.set_status(saga_id, "compensating", error if saga.status == "running" else None)
        self._emit(saga_id, "compensating", "progress", "compensating", 100, {"error": error})
        saga = self.store.view(saga_id)
        assert saga is not None
        try:
            for recorded in reversed(saga.steps):
                step = self.definition.step(recorded.name)
                if recorded.status in UNDOABLE and recorded.compensation is not None:
                    if step.compensate is not None:
                        step.compensate(self._context(saga, recorded.name), recorded.compensation)
                    self.store.write_step(saga_id, recorded.name, status="compensated")
        except Exception as failure:  # leave it compensating: the sweeper tries again
            log.exception("saga %s compensation failed", saga_id)
            if saga.compensation_attempts >= MAX_COMPENSATION_ATTEMPTS:
                self.store.set_status(saga_id, "failed", f"compensation failed: {_describe(failure)}")
                self._terminal(saga_id, "failed", "compensating", 100, self.store.view(saga_id))
                return StepResult(Outcome.FAILED, error=_describe(failure))
            return StepResult(Outcome.RETRY, error=_describe(failure))
        self.store.set_status(saga_id, "compensated")
        self._terminal(saga_id, "compensated", "compensated", 100, self.store.view(saga_id))
        return StepResult(Outcome.COMPENSATED, error=error)

    # -- the sweeper ---------------------------------------------------------------------
    def sweep(self, stale_after: float) -> list[tuple[str, str]]:
        """Compensate or hand back (saga id, step) pairs untouched for ``stale_after`` seconds."""
        resume: list[tuple[str, str]] = []
        for saga_id in self.store.stale(utcnow() - timedelta(seconds=stale_after)):
            saga = self.store.view(saga_id)
            if saga is None or saga.kind != self.definition.kind:
                continue
            current = saga.current
            if saga.status == "compensating":
                self.compensate(saga_id, saga.error or "interrupted")
            elif current is None:
                self._advance(saga_id, saga.steps[-1].name)
            elif current.attempts >= self.max_attempts:
                self.compensate(saga_id, f"{current.name}: stuck after {current.attempts} attempts")
            else:
                self.store.write_step(saga_id, current.name, lease=timedelta(0))  # free its claim
                resume.append((saga_id, current.name))
        return resume

    # -- events ------------------------------------------------------------------------
    def _context(self, saga: SagaView, name: str) -> StepContext:
        results = {s.name: s.result for s in saga.steps if s.result is not None}

        def heartbeat(detail: JsonDict) -> None:
            self.store.write_step(saga.id, name, lease=self.lease)
            self._emit(
                saga.id,
                f"beat:{name}:{time.monotonic()}",
                "progress",
                name,
                self.definition.progress(name, False),
                detail,
            )

        return StepContext(saga.id, saga.params, results, heartbeat)

    def _emit(self, saga_id: str, key: str, kind: str, stage: str, progress: int, detail: JsonDict) -> None:
        self._tell(saga_id, key, {"type": kind, "stage": stage, "progress": progress, "detail": detail})

    def _terminal(self, saga_id: str, kind: str, stage: str, progress: int, saga: SagaView | None) -> None:
        event: JsonDict = {"type": kind, "stage": stage, "progress": progress}
        event["counts"] = saga.counts if saga else {}
        if saga is not None and saga.error:
            event["error"] = saga.error
        self._tell(saga_id, TERMINAL_KEY, event)

    def _tell(self, saga_id: str, key: str, event: JsonDict) -> None:
        try:
            self.listener(saga_id, key, event)
        except Exception:  # telling watchers is best effort: the database holds the truth
            log.warning("saga %s: could not emit %s", saga_id, key, exc_info=True)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]
