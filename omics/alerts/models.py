"""Saved searches and the alerts they raise, in the database beside accounts and sagas."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class AlertsBase(DeclarativeBase):
    """Declarative base of the saved-search tables."""


class SavedSearchRow(AlertsBase):
    __tablename__ = "saved_searches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    request: Mapped[str] = mapped_column(Text)  # the v2 search body, as the core's request dict
    created_at: Mapped[datetime]
    record_format: Mapped[int | None] = mapped_column(default=None)  # omics.formats.SAVED_SEARCH


class AlertRow(AlertsBase):
    """One new series matching one saved search; unique per (saved search, accession)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("saved_search_id", "accession", name="uq_alert_once"),
        Index("ix_alert_owner", "owner", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(100))
    saved_search_id: Mapped[str] = mapped_column(ForeignKey("saved_searches.id", ondelete="CASCADE"))
    saga_id: Mapped[str] = mapped_column(String(36), index=True)
    accession: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
