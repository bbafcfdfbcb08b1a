"""A search's time budget, checked by the engine between its stages.

A search that has used up its budget stops at the next check with :class:`SearchOverBudget`
naming the stage it reached, instead of holding a worker (or a v1 request) for as long as it
takes. The checks sit between stages and between the phrase checks of one stage, the only
steps whose cost grows with the query. Nothing here imports Flask or Celery.
"""

from __future__ import annotations

import time


class SearchOverBudget(TimeoutError):
    """The search used more than its budget; ``stage`` is where it was stopped."""

    def __init__(self, stage: str, elapsed: float, budget: float) -> None:
        super().__init__(
            f"the search exceeded its time budget of {budget:g} s ({elapsed:.2f} s, stopped at {stage})"
        )
        self.stage = stage
        self.elapsed = elapsed
        self.budget = budget


class Budget:
    """``seconds`` from now (``None``: unbounded), measured on the monotonic clock."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def check(self, stage: str) -> None:
        """Raise :class:`SearchOverBudget` if the budget is spent (called before ``stage`` goes on)."""
        if self.seconds is not None and self.elapsed > self.seconds:
            raise SearchOverBudget(stage, self.elapsed, self.seconds)
