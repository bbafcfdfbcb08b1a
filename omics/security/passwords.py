"""Password hashing with Argon2id (argon2-cffi, its RFC 9106 low-memory defaults).

Checking a password for an unknown user still runs one Argon2 verification, so the answer
time does not tell an attacker which usernames exist.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
_UNKNOWN_USER_HASH = _HASHER.hash("no such user: constant-time filler")
MIN_PASSWORD_LENGTH = 8


class WeakPasswordError(ValueError):
    """The password is too short to be accepted."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; ``None`` (unknown user) costs the same and is False."""
    try:
        return _HASHER.verify(password_hash or _UNKNOWN_USER_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
