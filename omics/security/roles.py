"""Roles and what each may do: the one place where permissions are declared.

Endpoints ask for a :class:`Permission`, never for a role, so adding a role or moving a
permission is an edit to :data:`ROLE_PERMISSIONS` alone. An API key carries scopes, a subset
of its owner's permissions at the time of use (a demoted user's keys lose power at once).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    RESEARCHER = "researcher"
    CURATOR = "curator"
    ADMIN = "admin"


class Permission(StrEnum):
    SEARCH = "search"  # run searches, read one's own
    DATASETS_READ = "datasets:read"
    KEYS_MANAGE = "keys:manage"  # create, list, revoke one's own API keys
    WORKSPACE = "workspace"  # one's own shortlists (and their exports)
    CORPUS_CURATE = "corpus:curate"  # add or refresh series in the corpus (start and follow ingestions)
    CACHE_ADMIN = "admin:cache"
    AUDIT_READ = "admin:audit"
    USERS_MANAGE = "admin:users"
    SERVICES_READ = "admin:services"
    SAGAS_READ = "admin:sagas"  # every saga (ingestions and others), whoever started it


_PUBLIC = frozenset({Permission.SEARCH, Permission.DATASETS_READ})
_RESEARCHER = _PUBLIC | {Permission.KEYS_MANAGE, Permission.WORKSPACE}
_CURATOR = _RESEARCHER | {Permission.CORPUS_CURATE}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ANONYMOUS: _PUBLIC,
    Role.RESEARCHER: _RESEARCHER,
    Role.CURATOR: _CURATOR,
    Role.ADMIN: frozenset(Permission),
}

# A key must not mint further keys: key management needs an interactive login.
KEY_SCOPES: frozenset[Permission] = frozenset(Permission) - {Permission.KEYS_MANAGE}
ACCOUNT_ROLES: tuple[Role, ...] = (Role.RESEARCHER, Role.CURATOR, Role.ADMIN)


def permissions_for(role: str) -> frozenset[Permission]:
    """Permissions of ``role``; an unknown role string gets the anonymous set, never more."""
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return ROLE_PERMISSIONS[Role.ANONYMOUS]


def parse_account_role(value: str) -> Role:
    """The role for a stored account; raises ValueError for 'anonymous' or unknown names."""
    role = Role(value)
    if role not in ACCOUNT_ROLES:
        raise ValueError(f"{value!r} is not a role an account can hold")
    return role
