"""Tables of the workspace: named shortlists per user and the series in each.

They use their own declarative base (the security package owns its own) but live in the same
database; :func:`create_tables` is idempotent and safe to race, like the security schema.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from omics.formats import add_missing_columns
from omics.security.models import utcnow


class WorkspaceBase(DeclarativeBase):
    """Declarative base for the workspace tables."""


class Shortlist(WorkspaceBase):
    """A named collection of series that one user keeps (owner is the identity's subject)."""

    __tablename__ = "shortlists"
    __table_args__ = (UniqueConstraint("owner", "name", name="uq_shortlist_owner_name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    record_format: Mapped[int | None] = mapped_column(default=None)  # omics.formats.SHORTLIST

    items: Mapped[list[ShortlistItem]] = relationship(
        back_populates="shortlist",
        cascade="all, delete-orphan",
        order_by="ShortlistItem.added_at",
    )


class ShortlistItem(WorkspaceBase):
    """One series in a shortlist (each accession at most once)."""

    __tablename__ = "shortlist_items"

    shortlist_id: Mapped[str] = mapped_column(
        ForeignKey("shortlists.id", ondelete="CASCADE"), primary_key=True
    )
    accession: Mapped[str] = mapped_column(String(32), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    shortlist: Mapped[Shortlist] = relationship(back_populates="items")


def create_tables(engine: Engine) -> None:
    """Create the workspace tables and columns that are missing (safe on every start)."""
    WorkspaceBase.metadata.create_all(engine)
    add_missing_columns(engine, WorkspaceBase.metadata)
