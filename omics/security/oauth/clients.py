"""Registered OAuth2 clients: which grants and scopes each may use, and its hashed secret.

A confidential client authenticates with ``ocs_`` plus 256 random bits, shown once and stored
as a SHA-256 (like API keys: high entropy needs no slow hash, and a lookup stays one query).
A public client (a command-line tool, the API docs page) has no secret and may not use the
``client_credentials`` grant, which acts as the client's owner within the client's scopes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from omics.security.accounts import find_user
from omics.security.models import utcnow
from omics.security.oauth.models import OAuthClient
from omics.security.roles import Permission, permissions_for

GRANT_TYPES = ("password", "refresh_token", "client_credentials")
INTROSPECT_SCOPE = "token:introspect"  # a client scope, not a user permission: may introspect any token
SCOPES: tuple[str, ...] = (*(permission.value for permission in Permission), INTROSPECT_SCOPE)
SECRET_PREFIX = "ocs_"
_NAME = re.compile(r"^[A-Za-z0-9 _.-]{1,100}$")


class ClientError(ValueError):
    """A client registration that cannot be honoured (unknown grant or scope, missing owner...)."""


@dataclass(frozen=True)
class NewClient:
    """A freshly registered client; ``secret`` exists only here and in the one answer."""

    record: OAuthClient
    secret: str | None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(client: OAuthClient, presented: str) -> bool:
    """Constant-time check of a presented secret; always False for a public client."""
    return client.secret_hash is not None and hmac.compare_digest(client.secret_hash, hash_secret(presented))


def _checked_list(values: list[str], allowed: tuple[str, ...], kind: str) -> list[str]:
    wanted = list(dict.fromkeys(value.strip() for value in values if value.strip()))
    unknown = [value for value in wanted if value not in allowed]
    if not wanted or unknown:
        raise ClientError(f"{kind} must be some of {', '.join(allowed)}; not {', '.join(unknown) or 'none'}")
    return wanted


def register(
    session: Session, name: str, grants: list[str], scopes: list[str], *, public: bool, owner: str | None
) -> NewClient:
    """Store a new client; raises ClientError for a registration that would grant too much."""
    if not _NAME.match(name):
        raise ClientError("a client name has 1 to 100 letters, digits, spaces, '.', '_' or '-'")
    grant_list = _checked_list(grants, GRANT_TYPES, "grants")
    scope_list = _checked_list(scopes, SCOPES, "scopes")
    owner_user = find_user(session, owner) if owner else None
    if owner and owner_user is None:
        raise ClientError(f"no user {owner!r}")
    if "client_credentials" in grant_list:
        if public:
            raise ClientError("a public client cannot use client_credentials (it has no secret)")
        if owner_user is None:
            raise ClientError("a client_credentials client acts as its owner: give --owner")
    if owner_user is not None:
        beyond = set(scope_list) - {p.value for p in permissions_for(owner_user.role)} - {INTROSPECT_SCOPE}
        if beyond:
            raise ClientError(
                f"scopes beyond the owner's role {owner_user.role}: {', '.join(sorted(beyond))}"
            )
    secret = None if public else SECRET_PREFIX + secrets.token_urlsafe(32)
    record = OAuthClient(
        client_id="occ_" + secrets.token_hex(12),
        name=name,
        secret_hash=hash_secret(secret) if secret else None,
        grant_types=" ".join(grant_list),
        scopes=" ".join(scope_list),
        owner_id=owner_user.id if owner_user else None,
    )
    session.add(record)
    session.flush()
    return NewClient(record=record, secret=secret)


def find_client(session: Session, client_id: str) -> OAuthClient | None:
    """The live client with this id (its owner loaded), or None when unknown or deleted."""
    return session.scalar(
        select(OAuthClient)
        .options(joinedload(OAuthClient.owner))
        .where(OAuthClient.client_id == client_id, OAuthClient.deleted_at.is_(None))
    )


def list_clients(session: Session) -> list[OAuthClient]:
    return list(
        session.scalars(
            select(OAuthClient)
            .options(joinedload(OAuthClient.owner))
            .where(OAuthClient.deleted_at.is_(None))
            .order_by(OAuthClient.created_at)
        )
    )


def delete_client(session: Session, client_id: str) -> OAuthClient | None:
    """Retire a client (its row stays for the audit trail); None when there is no live one."""
    record = find_client(session, client_id)
    if record is not None:
        record.deleted_at = utcnow()
    return record


def client_to_dict(record: OAuthClient) -> dict[str, Any]:
    """Public view of a client: everything but its secret hash."""
    return {
        "client_id": record.client_id,
        "name": record.name,
        "public": record.public,
        "grants": record.grant_list,
        "scopes": record.scope_list,
        "owner": record.owner.username if record.owner else None,
        "created_at": record.created_at.isoformat() + "Z",
    }
