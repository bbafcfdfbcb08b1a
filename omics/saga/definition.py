"""How a saga is declared: its steps, once, each with the compensation that undoes it.

A step is three functions. ``prepare`` says what undoing the step will need (the previous
version pointer, a directory to remove); the runner commits that to the database *before*
``act`` runs, so a step that dies halfway can still be compensated by another process.
``act`` does the work and returns its result (``counts`` in it add to the saga's counts).
``compensate`` gets the prepared data back and must be idempotent: it may run twice.
Steps must be idempotent too: a redelivered message or a resumed saga runs a step again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


@dataclass
class StepContext:
    """What a step sees: its saga, the saga's parameters, earlier steps' results, a heartbeat."""

    saga_id: str
    params: JsonDict
    results: dict[str, JsonDict]
    heartbeat: Callable[[JsonDict], None] = field(default=lambda detail: None)


def _nothing_to_undo(context: StepContext) -> JsonDict:
    return {}


@dataclass(frozen=True)
class Step:
    name: str
    act: Callable[[StepContext], JsonDict]
    prepare: Callable[[StepContext], JsonDict] = _nothing_to_undo
    compensate: Callable[[StepContext, JsonDict], object] | None = None


@dataclass(frozen=True)
class SagaDefinition:
    """A kind of saga: its ordered steps and which errors are worth retrying the step for."""

    kind: str
    steps: tuple[Step, ...]
    transient: tuple[type[BaseException], ...] = ()

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"{self.kind} has no step {name!r}")

    def after(self, name: str) -> str | None:
        """The step following ``name`` (None after the last)."""
        names = [step.name for step in self.steps]
        position = names.index(name) + 1
        return names[position] if position < len(names) else None

    def progress(self, name: str, finished: bool) -> int:
        """Percent done when ``name`` starts (or finishes)."""
        position = [step.name for step in self.steps].index(name) + (1 if finished else 0)
        return round(100 * position / len(self.steps))
