"""Database tables for users, refresh-token families, API keys and the audit chain.

Timestamps are naive UTC everywhere (see :func:`utcnow`): SQLite drops time zones, and the
audit hash must come out identical whichever database stored the row.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

GENESIS_HASH = "0" * 64


def utcnow() -> datetime:
    """Naive UTC now, with microseconds, the one timestamp form stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base for the security tables."""


class User(Base):
    """An account; ``role`` is one of :class:`omics.security.roles.Role`."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled: Mapped[bool] = mapped_column(default=False)

    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="user")


class RefreshFamily(Base):
    """One login session: every refresh token rotated from one login shares the family.

    Only the newest refresh token (``current_jti``) is valid; presenting an older one means it
    leaked, so the whole family is revoked (``revoked_reason = "reuse"``), except the one just
    rotated away (``previous_jti``) within the reuse grace window (see ``tokens.rotate``).
    """

    __tablename__ = "refresh_families"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    current_jti: Mapped[str] = mapped_column(String(64))
    previous_jti: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(32), default=None)


class ApiKey(Base):
    """A scoped, expiring, revocable key; only its SHA-256 is stored, never the key itself."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_ip: Mapped[str | None] = mapped_column(String(64), default=None)
    # Added by the API-evolution release, nullable so the previous release can still insert
    # rows (``Database.create_schema`` adds them to an existing table): the dated API version
    # the key is pinned to (NULL: made before pinning, when 2026-11-29 was the newest), and
    # the row's format (NULL: 1; ``python app.py migrate`` backfills both).
    api_version: Mapped[str | None] = mapped_column(String(10), default=None)
    record_format: Mapped[int | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(back_populates="api_keys")

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split(" ") if scope]


class AuditEntry(Base):
    """One audited event, chained to the previous entry by ``prev_hash``.

    ``seq`` is assigned from :class:`AuditHead` under a row lock, so the chain has no gaps and
    a deleted entry shows up as a missing number.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_action", "action"),
        Index("ix_audit_actor", "actor"),
    )

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row holding the chain's last sequence number and hash.

    Appending updates this row first, which takes a write lock in both SQLite and PostgreSQL,
    so concurrent writers line up instead of forking the chain. It also lets verification
    notice entries deleted from the end.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditKeying(Base):
    """From which entry on the chain is keyed, and a proof that only the key holder could write.

    Entries before ``keyed_from`` were written by an older version with plain SHA-256 and stay
    verifiable as such; ``proof`` is the HMAC of ``keyed_from``, so the boundary cannot be
    moved to pass forged entries off as old ones.
    """

    __tablename__ = "audit_keying"

    id: Mapped[int] = mapped_column(primary_key=True)
    keyed_from: Mapped[int]
    proof: Mapped[str] = mapped_column(String(64))
