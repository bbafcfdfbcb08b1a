"""Opaque, tamper-evident cursors over a stored, fully ranked result list.

A search's ranked hits are computed once and stored; a page is a slice of them. The cursor
names the position of the next page and the result list it belongs to (its *scope*, e.g. the
search id and corpus version), so a cursor from another search or an edited cursor is
refused instead of silently serving the wrong page. Because pages slice one frozen list,
following ``next_cursor`` never skips or repeats a result. With a ``key`` (the API passes one
derived from the app's secret) the check is a keyed BLAKE2s MAC, so a cursor cannot be forged
even by someone who knows the format; whatever the payload holds, a bad cursor is
:class:`InvalidCursor`, never another error.

Used by the engine's callers and by the HTTP API alike: :func:`encode_cursor`,
:func:`decode_cursor`, :func:`paginate`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class InvalidCursor(ValueError):
    """The cursor is malformed, altered, or belongs to another result list (a 400 for the API)."""


MAX_POSITION = 10**9  # far beyond any stored result list; larger is a forgery


def _check(payload: bytes, key: bytes) -> str:
    return hashlib.blake2s(payload, digest_size=16 if key else 6, key=key[:32]).hexdigest()


def encode_cursor(position: int, scope: str, key: bytes = b"") -> str:
    """An opaque URL-safe token for ``position`` within the result list identified by ``scope``."""
    payload = json.dumps({"p": position, "s": scope}, separators=(",", ":")).encode()
    token = payload + b"." + _check(payload, key).encode()
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str, key: bytes = b"") -> int:
    """The position a cursor points at; raises InvalidCursor unless it is intact and for ``scope``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload, _, check = raw.rpartition(b".")
        if not payload or not hmac.compare_digest(check, _check(payload, key).encode()):
            raise InvalidCursor("cursor is not valid")
        data = json.loads(payload)
    except InvalidCursor:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor is not valid") from exc
    if not isinstance(data, dict):
        raise InvalidCursor("cursor is not valid")
    if data.get("s") != scope:
        raise InvalidCursor("cursor belongs to another search")
    position = data.get("p")
    if type(position) is not int or not 0 <= position <= MAX_POSITION:
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
