"""Saga and step state in the database (SQLite by default, PostgreSQL via ``DATABASE_URL``).

A step row is created for every declared step when the saga starts; its ``compensation``
is written (committed) before the step acts, so whoever finds the saga later (the sweeper,
after a killed worker) knows how to undo exactly what the step may have done.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class SagaBase(DeclarativeBase):
    """Declarative base of the saga tables (created beside the accounts tables)."""


class SagaRow(SagaBase):
    __tablename__ = "sagas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    owner: Mapped[str | None] = mapped_column(String(100), default=None)
    params: Mapped[str] = mapped_column(Text)
    counts: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    compensation_attempts: Mapped[int] = mapped_column(default=0)
    record_format: Mapped[int | None] = mapped_column(default=None)  # omics.formats.SAGA


class StepRow(SagaBase):
    __tablename__ = "saga_steps"

    saga_id: Mapped[str] = mapped_column(ForeignKey("sagas.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    compensation: Mapped[str | None] = mapped_column(Text, default=None)
    result: Mapped[str | None] = mapped_column(Text, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
