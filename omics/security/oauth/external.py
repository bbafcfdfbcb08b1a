"""Accounts of people who sign in with an external OpenID Connect provider.

An account is linked by the provider's issuer and subject (``sub``), the only claims a
provider promises to keep stable; names and e-mail addresses can change hands. The first
sign-in creates an account with the configured default role, never a role taken from the
provider's claims: an admin raises it. Linked accounts have no password (their stored hash is
not an Argon2 hash, so password login always fails for them).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from omics.security.accounts import find_user
from omics.security.models import User, utcnow
from omics.security.oauth.models import ExternalIdentity
from omics.security.roles import parse_account_role

NO_PASSWORD = "!external"
_NOT_USERNAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class ExternalSignIn:
    user: User
    created: bool


def _free_username(session: Session, wanted: str) -> str:
    """A valid, unused username close to what the provider suggested."""
    base = _NOT_USERNAME.sub("-", wanted).strip("-.")[:48] or "user"
    base = base if len(base) >= 3 else f"{base}-user"
    candidate = base
    while find_user(session, candidate) is not None:
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate


def sign_in(
    session: Session, issuer: str, subject: str, suggested_name: str, default_role: str
) -> ExternalSignIn:
    """The account linked to ``issuer``/``subject``, created on the first sign-in."""
    link = session.scalar(
        select(ExternalIdentity).where(ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject)
    )
    if link is not None:
        link.last_login_at = utcnow()
        return ExternalSignIn(link.user, created=False)
    role = parse_account_role(default_role)
    user = User(username=_free_username(session, suggested_name), password_hash=NO_PASSWORD, role=role.value)
    session.add(user)
    session.flush()
    session.add(ExternalIdentity(issuer=issuer, subject=subject, user_id=user.id, last_login_at=utcnow()))
    session.flush()
    return ExternalSignIn(user, created=True)
