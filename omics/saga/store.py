"""Saga state in SQL: creating sagas, claiming steps under a lease, recording what undoes them.

A step is claimed with one conditional UPDATE (pending, or running with an expired lease), so
two workers that both received the step (acks_late redelivery, a sweeper's re-dispatch) never
run it at once: one wins, the other sees ``busy`` and stops.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from omics.formats import SAGA, add_missing_columns
from omics.saga.models import SagaBase, SagaRow, StepRow


def utcnow() -> datetime:
    """Naive UTC (SQLite drops time zones), like every other timestamp in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


Transaction = Callable[[], AbstractContextManager[Session]]
ACTIVE = ("running", "compensating")


@dataclass(frozen=True)
class StepView:
    name: str
    status: str
    attempts: int
    compensation: dict[str, Any] | None
    result: dict[str, Any] | None
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class SagaView:
    """A saga as read at one moment: status, counts, error and its steps in order."""

    id: str
    kind: str
    status: str
    owner: str | None
    params: dict[str, Any]
    counts: dict[str, Any]
    error: str | None
    created_at: datetime
    updated_at: datetime
    compensation_attempts: int
    steps: tuple[StepView, ...]

    def step(self, name: str) -> StepView:
        return next(step for step in self.steps if step.name == name)

    @property
    def current(self) -> StepView | None:
        """The first step not done (None when all are)."""
        return next((step for step in self.steps if step.status != "done"), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "owner": self.owner,
            "params": self.params,
            "counts": self.counts,
            "error": self.error,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "steps": [
                {
                    "name": s.name,
                    "status": s.status,
                    "attempts": s.attempts,
                    "error": s.error,
                    "started_at": _iso(s.started_at),
                    "finished_at": _iso(s.finished_at),
                }
                for s in self.steps
            ],
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def _json(text: str | None) -> Any:
    return json.loads(text) if text else None


class SagaStore:
    """Reads and writes saga rows through a transaction factory (``Database.transaction``)."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    @staticmethod
    def create_schema(engine: Engine) -> None:
        SagaBase.metadata.create_all(engine)
        add_missing_columns(engine, SagaBase.metadata)

    def create(self, kind: str, steps: Iterable[str], params: dict[str, Any], owner: str | None) -> str:
        saga_id = uuid.uuid4().hex
        now = utcnow()
        with self._transaction() as session:
            session.add(
                SagaRow(
                    id=saga_id,
                    kind=kind,
                    status="running",
                    owner=owner,
                    record_format=SAGA.current,
                    params=json.dumps(params),
                    counts="{}",
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()
            for position, name in enumerate(steps):
                session.add(StepRow(saga_id=saga_id, name=name, position=position, status="pending"))
        return saga_id

    def view(self, saga_id: str) -> SagaView | None:
        with self._transaction() as session:
            row = session.get(SagaRow, saga_id)
            return self._view(session, row) if row is not None else None

    def recent(self, kind: str | None = None, limit: int = 50, status: str | None = None) -> list[SagaView]:
        """The newest sagas first (of one kind, in one status, when given)."""
        with self._transaction() as session:
            query = select(SagaRow).order_by(SagaRow.created_at.desc()).limit(limit)
            if kind is not None:
                query = query.where(SagaRow.kind == kind)
            if status is not None:
                query = query.where(SagaRow.status == status)
            return [self._view(session, row) for row in session.scalars(query)]

    def active(self, kind: str) -> list[str]:
        with self._transaction() as session:
            query = select(SagaRow.id).where(SagaRow.kind == kind, SagaRow.status.in_(ACTIVE))
            return list(session.scalars(query))

    def stale(self, before: datetime) -> list[str]:
        """Active sagas nobody has touched since ``before``."""
        with self._transaction() as session:
            query = select(SagaRow.id).where(SagaRow.status.in_(ACTIVE), SagaRow.updated_at < before)
            return list(session.scalars(query))

    def claim(self, saga_id: str, step: str, lease: timedelta) -> bool:
        """Take ``step`` for this runner (pending, or running with an expired lease)."""
        now = utcnow()
        with self._transaction() as session:
            saga = session.get(SagaRow, saga_id)
            if saga is None or saga.status != "running":
                return False
            claimable = (StepRow.status == "pending") | (
                (StepRow.status == "running") & (StepRow.lease_until < now)
            )
            taken = session.execute(
                update(StepRow)
                .where(StepRow.saga_id == saga_id, StepRow.name == step, claimable)
                .values(
                    status="running",
                    attempts=StepRow.attempts + 1,
                    lease_until=now + lease,
                    started_at=now,
                    error=None,
                )
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result has rowcount
                return False
            saga.updated_at = now
            return True

    def write_step(self, saga_id: str, step: str, lease: timedelta | None = None, **values: Any) -> None:
        """Update one step (and touch the saga); ``lease`` extends the claim from now."""
        now = utcnow()
        with self._transaction() as session:
            row = session.get(StepRow, (saga_id, step))
            saga = session.get(SagaRow, saga_id)
            if row is None or saga is None:
                return
            for name, value in values.items():
                setattr(row, name, json.dumps(value) if name in ("compensation", "result") else value)
            if lease is not None:
                row.lease_until = now + lease
            saga.updated_at = now

    def add_counts(self, saga_id: str, counts: dict[str, Any]) -> None:
        with self._transaction() as session:
            saga = session.get(SagaRow, saga_id)
            if saga is not None and counts:
                saga.counts = json.dumps({**json.loads(saga.counts), **counts})

    def set_status(
        self, saga_id: str, status: str, error: str | None = None, *, only_from: str | None = None
    ) -> bool:
        """Move the saga to ``status`` (when ``only_from`` is given, only from that status)."""
        with self._transaction() as session:
            saga = session.get(SagaRow, saga_id)
            if saga is None or (only_from is not None and saga.status != only_from):
                return False
            saga.status = status
            if error is not None:
                saga.error = error
            if status == "compensating":
                saga.compensation_attempts += 1
            saga.updated_at = utcnow()
            return True

    @staticmethod
    def _view(session: Session, row: SagaRow) -> SagaView:
        steps = session.scalars(select(StepRow).where(StepRow.saga_id == row.id).order_by(StepRow.position))
        return SagaView(
            id=row.id,
            kind=row.kind,
            status=row.status,
            owner=row.owner,
            params=json.loads(row.params),
            counts=json.loads(row.counts),
            error=row.error,
            created_at=row.created_at,
            updated_at=row.updated_at,
            compensation_attempts=row.compensation_attempts,
            steps=tuple(
                StepView(
                    name=s.name,
                    status=s.status,
                    attempts=s.attempts,
                    compensation=_json(s.compensation),
                    result=_json(s.result),
                    error=s.error,
                    started_at=s.started_at,
                    finished_at=s.finished_at,
                )
                for s in steps
            ),
        )
