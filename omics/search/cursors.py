"""Opaque, tamper-evident cursors over a stored, fully ranked result list.

A search's ranked hits are computed once and stored; a page is a slice of them. The cursor
names the position of the next page and the result list it belongs to (its *scope*, e.g. the
search id and corpus version), so a cursor from another search or an edited cursor is
refused instead of silently serving the wrong page. Because pages slice one frozen list,
following ``next_cursor`` never skips or repeats a result.

Used by the engine's callers and by the HTTP API alike: :func:`encode_cursor`,
:func:`decode_cursor`, :func:`paginate`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class InvalidCursor(ValueError):
    """The cursor is malformed, altered, or belongs to another result list (a 400 for the API)."""


def _check(payload: bytes) -> str:
    return hashlib.blake2s(payload, digest_size=6).hexdigest()


def encode_cursor(position: int, scope: str) -> str:
    """An opaque URL-safe token for ``position`` within the result list identified by ``scope``."""
    payload = json.dumps({"p": position, "s": scope}, separators=(",", ":")).encode()
    token = payload + b"." + _check(payload).encode()
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str) -> int:
    """The position a cursor points at; raises InvalidCursor unless it is intact and for ``scope``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload, _, check = raw.rpartition(b".")
        if not payload or check.decode() != _check(payload):
            raise InvalidCursor("cursor is not valid")
        data = json.loads(payload)
        position = data["p"]
    except InvalidCursor:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor is not valid") from exc
    if data.get("s") != scope:
        raise InvalidCursor("cursor belongs to another search")
    if not isinstance(position, int) or position < 0:
        raise InvalidCursor("cursor is not valid")
    return position


def paginate(
    items: Sequence[T], page_size: int, scope: str, cursor: str | None = None
) -> tuple[list[T], str | None]:
    """One page of ``items`` starting at ``cursor`` (or the start) and the cursor of the next page."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    start = decode_cursor(cursor, scope) if cursor else 0
    end = start + page_size
    next_cursor = encode_cursor(end, scope) if end < len(items) else None
    return list(items[start:end]), next_cursor
