"""Upgrading stored data in place, resumably: the engine of ``python app.py migrate``.

A :class:`MigrationStep` walks one store (Redis searches, L2, L3, a database table) in a
stable order, one batch at a time, upgrading what is older than its format's current version
and yielding a :class:`Progress` after each batch. :func:`run_migration` runs the steps in
order, prints progress and saves the position after every batch in a :class:`Checkpoint`, so
an interrupted run resumes where it stopped. Upgrades are idempotent (a current document is
left alone), so a batch repeated after a crash changes nothing twice. A dry run writes
nothing, the checkpoint included, and counts what would change.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Progress:
    """One batch done: where to resume after it, and how many documents it saw and changed."""

    position: str
    seen: int
    changed: int


class MigrationStep(Protocol):
    @property
    def name(self) -> str:
        """What the step walks, as progress lines name it."""
        ...

    def run(self, position: str, dry_run: bool) -> Iterator[Progress]:
        """Upgrade from ``position`` ("" at the start) to the end, one batch per Progress."""
        ...


@dataclass
class StepTotals:
    name: str
    seen: int = 0
    changed: int = 0


class Checkpoint:
    """The last finished batch of an interrupted run, in a private JSON file (0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> tuple[str, str] | None:
        """``(step name, position)`` to resume from, or None to start at the beginning."""
        if not self.path.exists():
            return None
        saved = json.loads(self.path.read_text())
        return str(saved["step"]), str(saved["position"])

    def save(self, step: str, position: str) -> None:
        partial = self.path.with_suffix(".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump({"step": step, "position": position}, handle)
        partial.replace(self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def run_migration(
    steps: Sequence[MigrationStep],
    checkpoint: Checkpoint,
    dry_run: bool,
    report: Callable[[str], None],
) -> list[StepTotals]:
    """Run ``steps`` in order from the checkpoint (a dry run from the start) and total them."""
    resume = None if dry_run else checkpoint.load()
    names = [step.name for step in steps]
    if resume is not None and resume[0] not in names:
        raise ValueError(f"checkpoint names an unknown step {resume[0]!r}; remove {checkpoint.path}")
    first = names.index(resume[0]) if resume else 0
    totals = []
    for index, step in enumerate(steps):
        total = StepTotals(step.name)
        totals.append(total)
        if index < first:
            report(f"{step.name}: done in an earlier run")
            continue
        position = resume[1] if resume and index == first else ""
        if position:
            report(f"{step.name}: resuming after {position!r}")
        for progress in step.run(position, dry_run):
            total.seen += progress.seen
            total.changed += progress.changed
            if not dry_run:
                checkpoint.save(step.name, progress.position)
            verb = "would upgrade" if dry_run else "upgraded"
            report(f"{step.name}: {total.seen} seen, {total.changed} {verb}")
        if not dry_run:
            checkpoint.save(names[index + 1], "") if index + 1 < len(steps) else checkpoint.clear()
    return totals
