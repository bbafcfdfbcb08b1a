"""API keys: ``omk_`` plus 256 random bits, shown once, stored as a SHA-256 hash.

A SHA-256 of a high-entropy key cannot be brute-forced, and unlike a password hash it can be
looked up by equality, so a request costs one indexed query. The prefix makes leaked keys
recognisable to secret scanners and lets the server reject other strings without a lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from omics.formats import API_KEY
from omics.security.models import ApiKey, User, utcnow
from omics.security.roles import KEY_SCOPES, Permission, permissions_for

KEY_PREFIX = "omk_"
DEFAULT_SCOPES: tuple[Permission, ...] = (Permission.SEARCH, Permission.DATASETS_READ)
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME_DAYS = 365
_DISPLAY_PREFIX_LENGTH = 12


class ScopeError(ValueError):
    """A requested scope does not exist or exceeds what the owner's role allows."""


class KeyLimitReached(ValueError):
    """The user already holds as many live keys as allowed (revoke one to make room)."""


class KeyRejected(Exception):
    """A presented key cannot be used; ``reason`` is unknown, revoked, expired or disabled."""

    def __init__(self, reason: str, key_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.key_id = key_id


@dataclass(frozen=True)
class NewKey:
    """A freshly created key: ``secret`` exists only here and in the one response."""

    record: ApiKey
    secret: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _validate_scopes(user: User, scopes: list[str] | None) -> list[str]:
    wanted = list(dict.fromkeys(scopes)) if scopes else [scope.value for scope in DEFAULT_SCOPES]
    allowed = KEY_SCOPES & permissions_for(user.role)
    refused = [scope for scope in wanted if scope not in allowed]
    if refused:
        raise ScopeError(f"scopes not allowed for role {user.role}: {', '.join(refused)}")
    return wanted


def live_key_count(session: Session, user_id: int) -> int:
    """Keys of ``user_id`` that still work (neither revoked nor expired)."""
    now = utcnow()
    return (
        session.scalar(
            select(func.count())
            .select_from(ApiKey)
            .where(
                ApiKey.user_id == user_id,
                ApiKey.revoked_at.is_(None),
                or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
            )
        )
        or 0
    )


def create_key(
    session: Session,
    user: User,
    name: str,
    scopes: list[str] | None,
    lifetime: timedelta = DEFAULT_LIFETIME,
    api_version: str | None = None,
    max_live_keys: int | None = None,
) -> NewKey:
    """Store a new key for ``user`` (pinned to ``api_version``) with its one-time plaintext.

    With ``max_live_keys``, a user already holding that many working keys gets KeyLimitReached:
    keys are credentials to watch and revoke, not a way to multiply one's budget. The owner's
    row is locked first (PostgreSQL; SQLite transactions are serialised already), so two
    concurrent creations cannot both slip under the cap.
    """
    if max_live_keys is not None:
        session.execute(select(User.id).where(User.id == user.id).with_for_update())
        if live_key_count(session, user.id) >= max_live_keys:
            raise KeyLimitReached(f"at most {max_live_keys} live API keys per user; revoke one first")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        id="key_" + secrets.token_hex(8),
        user_id=user.id,
        name=name,
        prefix=secret[:_DISPLAY_PREFIX_LENGTH],
        key_hash=hash_key(secret),
        scopes=" ".join(_validate_scopes(user, scopes)),
        expires_at=utcnow() + lifetime,
        api_version=api_version,
        record_format=API_KEY.current,
    )
    session.add(record)
    session.flush()
    return NewKey(record=record, secret=secret)


def authenticate_key(session: Session, presented: str, ip: str | None) -> ApiKey:
    """The usable key matching ``presented`` (its last use recorded), or KeyRejected."""
    if not presented.startswith(KEY_PREFIX):
        raise KeyRejected("unknown")
    record = session.scalar(
        select(ApiKey)
        .options(joinedload(ApiKey.user))  # the owner is read next
        .where(ApiKey.key_hash == hash_key(presented))
    )
    if record is None:
        raise KeyRejected("unknown")
    now = utcnow()
    if record.revoked_at is not None:
        raise KeyRejected("revoked", record.id)
    if record.expires_at is not None and record.expires_at <= now:
        raise KeyRejected("expired", record.id)
    if record.user.disabled:
        raise KeyRejected("disabled", record.id)
    record.last_used_at, record.last_used_ip = now, ip
    return record


def pinned_version(record: ApiKey) -> str | None:
    """The API version the key is pinned to, its row upgraded on read (format 1 had no pin)."""
    row = {"api_version": record.api_version, "record_format": record.record_format}
    version: str | None = API_KEY.upgrade(row)["api_version"]
    return version


def key_usable(session: Session, key_id: str) -> bool:
    """Whether key ``key_id`` still works: not revoked, not expired, its owner enabled."""
    record = session.scalar(select(ApiKey).options(joinedload(ApiKey.user)).where(ApiKey.id == key_id))
    if record is None or record.revoked_at is not None or record.user.disabled:
        return False
    return record.expires_at is None or record.expires_at > utcnow()


def effective_scopes(record: ApiKey) -> frozenset[Permission]:
    """What the key may do now: its scopes, cut down to its owner's current role."""
    granted = permissions_for(record.user.role)
    return frozenset(scope for scope in granted if scope.value in record.scope_list)


def list_keys(session: Session, user_id: int) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.created_at)))


def revoke_key(session: Session, user_id: int, key_id: str) -> ApiKey | None:
    """Revoke one of ``user_id``'s keys; None when it has no such key (someone else's included)."""
    record = session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user_id))
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
    return record


def key_to_dict(record: ApiKey) -> dict[str, Any]:
    """Public view of a key: everything but its secret and hash."""

    def stamp(value: Any) -> str | None:
        return value.isoformat() + "Z" if value is not None else None

    return {
        "id": record.id,
        "name": record.name,
        "prefix": record.prefix,
        "scopes": record.scope_list,
        "created_at": stamp(record.created_at),
        "expires_at": stamp(record.expires_at),
        "revoked_at": stamp(record.revoked_at),
        "last_used_at": stamp(record.last_used_at),
        "last_used_ip": record.last_used_ip,
        "api_version": record.api_version,
    }
