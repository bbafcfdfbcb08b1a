"""Who is calling: the seam between the API and authentication.

Every blueprint asks :func:`current_identity` and records ``subject`` as the owner of what it
creates; ownership checks compare subjects. Until authentication resolves callers, every
caller is the anonymous identity (subject ``None``), which owns the anonymous searches.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    """The authenticated principal of a request (``subject`` None for anonymous callers)."""

    subject: str | None
    role: str = "anonymous"


ANONYMOUS = Identity(subject=None)


def current_identity() -> Identity:
    """The identity of the current request."""
    return ANONYMOUS


def owns(identity: Identity, owner: str | None) -> bool:
    """Whether ``identity`` may see a resource created by ``owner`` (OWASP API1)."""
    return identity.subject == owner
