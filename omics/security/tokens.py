"""Refresh-token families with rotation and reuse detection, and the Redis blocklist.

A login starts a family; each refresh replaces the family's single valid token id with a new
one by compare-and-swap (two racing refreshes cannot both win). Presenting any older token of
the family is reuse: the token leaked, so the family is revoked and every access token it
issued is blocked too.

One exception, the reuse grace window (``OMICS_REFRESH_REUSE_GRACE_SECONDS``, default 10):
the token rotated away last, presented again within that many seconds of its rotation, is a
second tab or a retried request rather than a thief, and gets the pair that rotation issued
(:attr:`Rotation.REPLAYED`; the caller re-issues it from :func:`current_pair`). Identity
providers do the same. After the window, or for any older token, reuse revokes the family.

Blocklist entries expire with the thing they block, so Redis never fills up with dead tokens.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from redis import Redis
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from omics.security.models import RefreshFamily, utcnow


class Rotation(StrEnum):
    ROTATED = "rotated"
    REPLAYED = "replayed"  # the just-rotated token again, within the grace window
    REUSED = "reused"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


def start_family(session: Session, user_id: int, jti: str) -> str:
    """Open a family for a fresh login whose refresh token has id ``jti``."""
    family_id = str(uuid.uuid4())
    session.add(RefreshFamily(id=family_id, user_id=user_id, current_jti=jti))
    session.flush()
    return family_id


def rotate(
    session: Session, family_id: str, presented_jti: str, new_jti: str, grace_seconds: float = 0
) -> Rotation:
    """Swap ``presented_jti`` for ``new_jti``; on reuse of an old token, revoke the family.

    The one rule of reuse: the token rotated away last, presented within ``grace_seconds`` of
    that rotation, is :attr:`Rotation.REPLAYED` (nothing changes; the caller answers with the
    current pair); any other stale token is :attr:`Rotation.REUSED` and revokes the family.
    """
    swapped = _rowcount(
        session.execute(
            update(RefreshFamily)
            .where(
                RefreshFamily.id == family_id,
                RefreshFamily.current_jti == presented_jti,
                RefreshFamily.revoked_at.is_(None),
            )
            .values(current_jti=new_jti, previous_jti=presented_jti, rotated_at=utcnow())
        )
    )
    if swapped:
        return Rotation.ROTATED
    family = session.scalar(select(RefreshFamily).where(RefreshFamily.id == family_id))
    if family is None:
        return Rotation.UNKNOWN
    if family.revoked_at is not None:
        return Rotation.REVOKED
    if _within_grace(family, presented_jti, grace_seconds):
        return Rotation.REPLAYED
    revoke_family(session, family_id, "reuse")
    return Rotation.REUSED


def _within_grace(family: RefreshFamily, presented_jti: str, grace_seconds: float) -> bool:
    if family.previous_jti != presented_jti or family.rotated_at is None:
        return False
    return utcnow() - family.rotated_at <= timedelta(seconds=grace_seconds)


def current_pair(session: Session, family_id: str) -> tuple[str, datetime]:
    """The family's valid refresh token id and when its pair was issued (login or last rotation).

    A pair is rebuilt from these alone, so presenting the just-rotated token again within the
    grace window yields exactly the pair the rotation answered with.
    """
    family = session.get(RefreshFamily, family_id)
    if family is None:
        raise KeyError(family_id)
    return family.current_jti, family.rotated_at or family.created_at


def revoke_family(session: Session, family_id: str, reason: str) -> bool:
    """Revoke a family (logout, reuse); False when it was unknown or already revoked."""
    return bool(
        _rowcount(
            session.execute(
                update(RefreshFamily)
                .where(RefreshFamily.id == family_id, RefreshFamily.revoked_at.is_(None))
                .values(revoked_at=utcnow(), revoked_reason=reason)
            )
        )
    )


def _rowcount(result: object) -> int:
    """Rows an UPDATE matched: a session answers DML with a ``CursorResult``, typed as a plain ``Result``."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"expected the CursorResult of an UPDATE, got {type(result).__name__}")
    return result.rowcount


def revoke_user_families(session: Session, user_id: int, reason: str) -> list[str]:
    """Revoke every live refresh family of a user; returns their ids (to block their tokens)."""
    families = list(
        session.scalars(
            select(RefreshFamily.id).where(
                RefreshFamily.user_id == user_id, RefreshFamily.revoked_at.is_(None)
            )
        )
    )
    if families:
        session.execute(
            update(RefreshFamily)
            .where(RefreshFamily.id.in_(families))
            .values(revoked_at=utcnow(), revoked_reason=reason)
        )
    return families


class Blocklist:
    """Revoked token ids and families in Redis, each kept exactly as long as it could be used."""

    def __init__(self, redis: Redis, namespace: str = "omics:auth:blocked") -> None:
        self._redis = redis
        self._namespace = namespace

    def _key(self, kind: str, ident: str) -> str:
        return f"{self._namespace}:{kind}:{ident}"

    def block_token(self, jti: str, expires_at: int) -> None:
        """Block one token until its own expiry (``exp`` claim, unix seconds)."""
        ttl = int(expires_at - time.time()) + 1
        if ttl > 0:
            self._redis.set(self._key("jti", jti), 1, ex=ttl)

    def block_family(self, family_id: str, ttl_seconds: int) -> None:
        """Block every access token of a family for as long as any of them can live."""
        self._redis.set(self._key("family", family_id), 1, ex=max(ttl_seconds, 1))

    def is_blocked(self, jti: str, family_id: str | None) -> bool:
        keys = [self._key("jti", jti)] + ([self._key("family", family_id)] if family_id else [])
        return any(self._redis.mget(keys))
