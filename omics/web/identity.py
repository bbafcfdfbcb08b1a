"""Who is calling: the seam between the API and authentication.

Every blueprint asks :func:`current_identity` and records ``subject`` as the owner of what it
creates; ownership checks compare subjects. ``omics.web.auth`` resolves the caller once per
request (JWT, API key, cookie or WebSocket subprotocol) before any view runs; without a
credential the caller is the anonymous identity (subject ``None``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import g, has_request_context

from omics.security.roles import Role, permissions_for


def _anonymous_permissions() -> frozenset[str]:
    return frozenset(permission.value for permission in permissions_for(Role.ANONYMOUS))


@dataclass(frozen=True)
class Identity:
    """The authenticated principal of a request (``subject`` None for anonymous callers).

    ``permissions`` are the role's (or, for an API key, the key's scopes within the role);
    ``expires_at`` is the credential's expiry (unix seconds) so a WebSocket can close then;
    ``api_version`` the version an API key was pinned to when it was made;
    ``key_id`` or ``token_id`` and ``family`` name the credential, so a long-lived connection
    can ask again whether it was revoked.
    """

    subject: str | None
    role: str = "anonymous"
    permissions: frozenset[str] = field(default_factory=_anonymous_permissions)
    method: str = "anonymous"
    key_id: str | None = None
    expires_at: int | None = None
    api_version: str | None = None  # the dated API version an API key is pinned to
    token_id: str | None = None
    family: str | None = None

    def expired(self) -> bool:
        """Whether the credential has run out (a WebSocket opened with it must close)."""
        return self.expires_at is not None and time.time() >= self.expires_at


ANONYMOUS = Identity(subject=None)


def current_identity() -> Identity:
    """The identity of the current request (resolved by ``omics.web.auth`` before the view)."""
    return g.get("omics_identity", ANONYMOUS) if has_request_context() else ANONYMOUS


def owns(identity: Identity, owner: str | None) -> bool:
    """Whether ``identity`` may see a resource created by ``owner`` (OWASP API1).

    An anonymous search (owner ``None``) is reachable by whoever holds its unguessable id;
    anything else only by its owner.
    """
    return owner is None or identity.subject == owner
