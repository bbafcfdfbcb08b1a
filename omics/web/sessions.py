"""One implementation of sign-in, refresh and sign-out for ``/api/v2/auth`` and ``/oauth/token``.

A session is a refresh-token family (``omics.security.tokens``): signing in starts one,
refreshing rotates it (reuse of an older refresh token revokes it, except the token rotated
away last within the reuse grace window, which gets that rotation's pair again), signing out
revokes it. The contract's endpoints and the OAuth2 grants call these functions, so both obey
the same rotation, reuse and revocation rules and write the same audit entries. Failures are
``ApiError``; the OAuth2 layer turns them into RFC 6749 error responses.

A session's pair is rebuilt from the family's current refresh token id and the time it was
issued alone (times, ids and CSRF values derive from them), so answering a replay within the
grace window repeats the rotation's answer exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    get_csrf_token,
    set_access_cookies,
    set_refresh_cookies,
)

from omics.security import accounts, audit, tokens
from omics.security.models import User
from omics.web import auth_failures
from omics.web.audit_trail import audit_request
from omics.web.errors import ApiError
from omics.web.identity import Identity
from omics.web.state import current_state


@dataclass(frozen=True)
class Grant:
    """What a token pair is issued for. ``scope`` None means the whole role (the contract's login).

    ``issued_at`` is when the family's current refresh token was issued (login or last rotation).
    """

    user: User
    family: str | None
    refresh_jti: str | None
    scope: str | None = None
    client_id: str | None = None
    issued_at: datetime | None = None


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str | None

    def as_oauth(self) -> dict[str, Any]:
        """The RFC 6749 section 5.1 answer (also the contract's login answer)."""
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        if self.scope is not None:
            body["scope"] = self.scope
        return body


def user_identity(user: User) -> Identity:
    return Identity(subject=user.username, role=user.role)


def issuer() -> str:
    """This server's issuer URL: ``OMICS_OAUTH_ISSUER``, else the URL the request came to."""
    return current_state().settings.oauth.issuer or request.url_root.rstrip("/")


def _derived_id(kind: str, refresh_jti: str) -> str:
    """An id fixed by the refresh token's id, so a pair can be issued again identically."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"omics:{kind}:{refresh_jti}"))


def _fixed_claims(jti: str, issued_at: int, lifetime: int) -> dict[str, Any]:
    """The claims flask-jwt-extended would otherwise pick afresh (times, id, CSRF value)."""
    return {
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + lifetime,
        "jti": jti,
        "csrf": _derived_id("csrf", jti),
    }


def issue(grant: Grant) -> TokenPair:
    """Sign an access token (and the family's current refresh token, when there is a family).

    A family's pair follows from ``grant.refresh_jti`` and ``grant.issued_at`` alone.
    """
    security = current_state().security
    claims: dict[str, Any] = {"role": grant.user.role, "iss": issuer()}
    if grant.scope is not None:
        claims["scope"] = grant.scope
    if grant.client_id is not None:
        claims["client_id"] = grant.client_id
    subject = grant.user.username
    if grant.family is None or grant.refresh_jti is None or grant.issued_at is None:
        access = create_access_token(identity=subject, additional_claims=claims)
        return TokenPair(access, None, security.access_seconds, grant.scope)
    claims["fam"] = grant.family
    issued_at = int(grant.issued_at.replace(tzinfo=UTC).timestamp())
    refresh_seconds = security.settings.security.refresh_token_days * 86400
    access_jti = _derived_id("access", grant.refresh_jti)
    access = create_access_token(
        identity=subject,
        additional_claims={**claims, **_fixed_claims(access_jti, issued_at, security.access_seconds)},
    )
    refresh = create_refresh_token(
        identity=subject,
        additional_claims={**claims, **_fixed_claims(grant.refresh_jti, issued_at, refresh_seconds)},
    )
    return TokenPair(access, refresh, security.access_seconds, grant.scope)


def authenticate(username: str, password: str, client_id: str | None = None) -> User:
    """The account with this password; a wrong one counts as a failed authentication, 401.

    An unknown name may be a password typed in the wrong field: the audit keeps only a masked
    trace of it.
    """
    with current_state().security.database.transaction() as session:
        user = accounts.authenticate(session, username, password)
        known = user is not None or accounts.find_user(session, username) is not None
    if user is None:
        details = {"client_id": client_id} if client_id else {}
        target = username[:64] if known else audit.mask(username)
        auth_failures.record_failure("login", target=target, details=details)
        raise ApiError(401, "wrong username or password", "invalid_credentials")
    return user


def start(user: User, scope: str | None = None, client_id: str | None = None) -> Grant:
    """Open a session (refresh family) for a signed-in user."""
    refresh_jti = str(uuid.uuid4())
    with current_state().security.database.transaction() as session:
        family = tokens.start_family(session, user.id, refresh_jti)
        issued_at = tokens.current_pair(session, family)[1]
    details = {"family": family, **({"client_id": client_id} if client_id else {})}
    audit_request("login", "success", identity=user_identity(user), details=details)
    return Grant(user, family, refresh_jti, scope, client_id, issued_at)


_ISSUING = (tokens.Rotation.ROTATED, tokens.Rotation.REPLAYED)


def refresh(claims: dict[str, Any], client_id: str | None = None, scope: str | None = None) -> Grant:
    """Rotate the session of verified refresh-token ``claims``; reuse revokes the session.

    The token rotated away last, presented again within ``OMICS_REFRESH_REUSE_GRACE_SECONDS``,
    gets the pair its rotation issued (a second tab, a retried request) instead of revoking.
    A refresh token is bound to the client it was issued to (none for the contract's login):
    presented by anyone else it is refused without touching the session.
    """
    caller = Identity(subject=claims["sub"], role=claims.get("role", "anonymous"))
    family, new_jti = claims.get("fam", ""), str(uuid.uuid4())
    if claims.get("client_id") != client_id:
        audit_request(
            "refresh", "failure", identity=caller, details={"family": family, "reason": "wrong_client"}
        )
        raise ApiError(401, "this refresh token was issued to another client", "wrong_client")
    grace = current_state().settings.security.refresh_reuse_grace_seconds
    with current_state().security.database.transaction() as session:
        outcome = tokens.rotate(session, family, claims["jti"], new_jti, grace)
        user = accounts.find_user(session, claims["sub"])
        pair = tokens.current_pair(session, family) if outcome in _ISSUING else None
    if outcome is tokens.Rotation.REUSED:
        current_state().security.block_families([family])
        audit_request("refresh_reuse", "denied", identity=caller, details={"family": family})
        raise ApiError(
            401, "this refresh token was already used; the session is revoked", "refresh_token_reused"
        )
    if pair is None or user is None or user.disabled:
        audit_request(
            "refresh", "failure", identity=caller, details={"family": family, "reason": outcome.value}
        )
        raise ApiError(401, "the session is no longer valid", "session_revoked")
    details = {"family": family, "replayed_within_grace": outcome is tokens.Rotation.REPLAYED}
    audit_request("refresh", "success", identity=user_identity(user), details=details)
    current_jti, issued_at = pair
    return Grant(user, family, current_jti, scope or claims.get("scope"), client_id, issued_at)


def revoke(presented: Iterable[dict[str, Any]]) -> list[str]:
    """Revoke verified tokens: each one's id, and the whole session of any that has one."""
    presented = list(presented)
    state = current_state().security
    families = sorted({claims["fam"] for claims in presented if claims.get("fam")})
    for claims in presented:
        state.blocklist.block_token(claims["jti"], claims["exp"])
    with state.database.transaction() as session:
        for family in families:
            tokens.revoke_family(session, family, "logout")
    state.block_families(families)
    return families


def pair_response(pair: TokenPair, cookie: bool) -> Response:
    """The tokens in the body (RFC 6749 shape), or as HttpOnly cookies with a CSRF token."""
    if cookie:
        response = jsonify(
            {
                "token_type": "cookie",
                "expires_in": pair.expires_in,
                "csrf_token": get_csrf_token(pair.access_token),
            }
        )
        set_cookies(response, pair)
    else:
        response = jsonify(pair.as_oauth())
    response.headers["Cache-Control"] = "no-store"
    return response


def set_cookies(response: Response, pair: TokenPair) -> None:
    set_access_cookies(response, pair.access_token)
    if pair.refresh_token is not None:
        set_refresh_cookies(response, pair.refresh_token)
