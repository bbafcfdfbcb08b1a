"""User accounts: creation, password login, role changes.

Usernames are plain identifiers (letters, digits, ``._-``) so they are safe to show in the
audit log and in URLs; roles are validated against :mod:`omics.security.roles`.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from omics.security.models import User
from omics.security.passwords import hash_password, verify_password
from omics.security.roles import Role, parse_account_role

_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")


class AccountError(ValueError):
    """A request about an account that cannot be honoured (bad name, taken, unknown)."""


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def is_active(session: Session, username: str) -> bool:
    """Whether ``username`` is an existing, enabled account (tokens of others are refused)."""
    user = find_user(session, username)
    return user is not None and not user.disabled


def create_user(session: Session, username: str, password: str, role: str) -> User:
    """Create an account; raises AccountError or WeakPasswordError for bad input."""
    if not _USERNAME.match(username):
        raise AccountError("a username has 3 to 64 letters, digits, '.', '_' or '-'")
    account_role = parse_account_role(role)
    if find_user(session, username) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(username=username, password_hash=hash_password(password), role=account_role.value)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The enabled user with this password, or None (same cost whether or not the name exists)."""
    user = find_user(session, username) if _USERNAME.match(username) else None
    valid = verify_password(user.password_hash if user else None, password)
    return user if valid and user is not None and not user.disabled else None


def set_role(session: Session, username: str, role: str) -> tuple[User, Role]:
    """Give ``username`` a new role; returns the user and the role it had before."""
    user = find_user(session, username)
    if user is None:
        raise AccountError(f"no user {username!r}")
    new_role = parse_account_role(role)
    previous = Role(user.role)
    user.role = new_role.value
    return user, previous
