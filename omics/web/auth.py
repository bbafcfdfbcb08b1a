"""Who is calling, and may they: JWTs, API keys, cookies with CSRF, WebSocket upgrades.

Every request is identified once, in a ``before_request`` hook, before any view (or WebSocket
handshake) runs: an ``X-API-Key``, a bearer JWT in ``Authorization``, the ``bearer, <token>``
WebSocket subprotocol, or the access-token cookie (CSRF double submit for writes, an allowed
``Origin`` for WebSocket upgrades). No credential means the anonymous identity; a bad one is a
401, never a silent downgrade. Views then ask :func:`require` for one permission from
:mod:`omics.security.roles`. Every rejection is written to the audit log, without the secret.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import jwt as pyjwt
from flask import Flask, current_app, g, request
from flask_jwt_extended import decode_token, get_jwt, verify_jwt_in_request
from flask_jwt_extended.exceptions import (
    CSRFError,
    JWTExtendedException,
    RevokedTokenError,
    WrongTokenError,
)

from omics.config import Settings, persistent_secret
from omics.security import accounts, api_keys
from omics.security.roles import Permission, Role, permissions_for
from omics.web import auth_failures
from omics.web.audit_trail import audit_request, client_ip
from omics.web.errors import ApiError
from omics.web.extensions import jwt_manager
from omics.web.identity import ANONYMOUS, Identity, current_identity
from omics.web.state import current_state

View = TypeVar("View", bound=Callable[..., Any])
P = ParamSpec("P")
R = TypeVar("R")
_OWN_AUTH = "_omics_handles_own_auth"
_UNAUTHENTICATED_PREFIXES = ("/health", "/metrics", "/static")


@jwt_manager.token_in_blocklist_loader
def _is_revoked(_header: dict[str, Any], claims: dict[str, Any]) -> bool:
    return current_state().security.blocklist.is_blocked(claims["jti"], claims.get("fam"))


def handles_own_auth(view: View) -> View:
    """Mark a view that reads its own credentials (login, refresh, logout)."""
    setattr(view, _OWN_AUTH, True)
    return view


def require(permission: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """The one permission check: 401 for anonymous callers, 403 (audited) for the rest."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            identity = current_identity()
            if permission.value not in identity.permissions:
                if identity.subject is None:
                    raise ApiError(401, "authentication required", "authentication_required")
                audit_request("permission_denied", "denied", details={"permission": permission.value})
                raise ApiError(403, f"this needs the {permission.value} permission", "forbidden")
            return view(*args, **kwargs)

        return guarded

    return decorate


def require_interactive(action: str) -> None:
    """403 (audited) when the caller uses an API key: ``action`` needs a person's login.

    Keys are for scripts; a leaked admin key must not be able to hand out roles.
    """
    if current_identity().method == "api_key":
        audit_request("permission_denied", "denied", details={"reason": "api_key", "action": action})
        raise ApiError(403, f"{action} need an interactive login, not an API key", "forbidden")


def _jwt_identity(claims: dict[str, Any], method: str) -> Identity:
    """The identity of a verified token, once its account still exists and is enabled."""
    with current_state().security.database.transaction() as session:
        if not accounts.is_active(session, claims["sub"]):
            raise pyjwt.InvalidTokenError("the token's account no longer exists or is disabled")
    role = claims.get("role", Role.ANONYMOUS.value)
    permissions = frozenset(p.value for p in permissions_for(role))
    if "scope" in claims:  # an OAuth2 token: its scopes within the role
        permissions &= frozenset(str(claims["scope"]).split())
    return Identity(
        subject=claims["sub"],
        role=role,
        method=method,
        permissions=permissions,
        expires_at=claims.get("exp"),
        token_id=claims.get("jti"),
        family=claims.get("fam"),
    )


def credential_still_valid(identity: Identity) -> bool:
    """Whether the credential ``identity`` came with still holds: not expired, revoked or logged out.

    Asked again by connections that outlive a request (WebSockets), so logging out or revoking
    a key ends them too.
    """
    if identity.expired():
        return False
    security = current_state().security
    if identity.key_id is not None:
        with security.database.transaction() as session:
            return api_keys.key_usable(session, identity.key_id)
    if identity.token_id is not None:
        return not security.blocklist.is_blocked(identity.token_id, identity.family)
    return True


def _key_identity(presented: str) -> Identity:
    try:
        with current_state().security.database.transaction() as session:
            record = api_keys.authenticate_key(session, presented, client_ip())
            return Identity(
                subject=record.user.username,
                role=record.user.role,
                method="api_key",
                permissions=frozenset(p.value for p in api_keys.effective_scopes(record)),
                key_id=record.id,
                api_version=api_keys.pinned_version(record),
            )
    except api_keys.KeyRejected as rejected:
        auth_failures.record_failure(
            "api_key_rejected", target=rejected.key_id, details={"reason": rejected.reason}
        )
        raise ApiError(401, f"API key {rejected.reason}", "invalid_api_key") from None


def _subprotocol_token() -> str | None:
    """The token of a browser WebSocket offering ``Sec-WebSocket-Protocol: bearer, <token>``."""
    offered = [part.strip() for part in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    if len(offered) >= 2 and offered[0].lower() == "bearer" and offered[1]:
        return offered[1]
    return None


def _origin_allowed() -> bool:
    """Cookie-authenticated WebSockets must come from this site or a configured origin."""
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    allowed = current_state().security.settings.security.allowed_origins
    return origin in allowed or origin == request.host_url.rstrip("/")


def _is_websocket() -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def _token_identity() -> Identity:
    """The identity of a JWT in the subprotocol, header or cookie; anonymous when none."""
    token = _subprotocol_token() if _is_websocket() else None
    if token is not None:
        claims = decode_token(token)
        if claims.get("type") != "access":
            raise WrongTokenError("only access tokens are accepted")
        if current_state().security.blocklist.is_blocked(claims["jti"], claims.get("fam")):
            raise RevokedTokenError({}, claims)
        return _jwt_identity(claims, "subprotocol")
    has_header = "Authorization" in request.headers
    locations = ["headers"] if has_header else ["cookies"]
    if not verify_jwt_in_request(optional=True, locations=locations):
        if has_header:
            raise pyjwt.InvalidTokenError("the Authorization header holds no bearer token")
        return ANONYMOUS
    if not has_header and _is_websocket() and not _origin_allowed():
        raise CSRFError("cookie authentication from a foreign origin")
    return _jwt_identity(get_jwt(), "bearer" if has_header else "cookie")


_REJECTIONS: tuple[tuple[type[Exception], str, str], ...] = (
    (pyjwt.ExpiredSignatureError, "token_expired", "the token has expired"),
    (RevokedTokenError, "token_revoked", "the token has been revoked"),
    (WrongTokenError, "wrong_token_type", "this token type is not accepted here"),
    (CSRFError, "csrf_failed", "missing or wrong CSRF token or origin"),
)


def reject_token(error: Exception) -> ApiError:
    code, message = next(
        ((code, message) for kind, code, message in _REJECTIONS if isinstance(error, kind)),
        ("invalid_token", "the token is not valid"),
    )
    auth_failures.record_failure("token_rejected", details={"reason": code})
    return ApiError(401, message, code)


def _presents_credentials() -> bool:
    return (
        "X-API-Key" in request.headers
        or "Authorization" in request.headers
        or _subprotocol_token() is not None
        or any(name in request.cookies for name in ("access_token_cookie", "refresh_token_cookie"))
    )


def authenticate_request() -> None:
    """``before_request``: resolve the caller once, for views, rate limits and WebSockets.

    An address that failed authentication too often gets 429 for anything carrying
    credentials (and for login, refresh and logout) before a single one is checked.
    """
    g.omics_identity = ANONYMOUS
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or request.path.startswith(_UNAUTHENTICATED_PREFIXES):
        return
    own_auth = getattr(view, _OWN_AUTH, False)
    if own_auth or _presents_credentials():
        auth_failures.refuse_if_flooding()
    if own_auth:
        return
    presented_key = request.headers.get("X-API-Key")
    if presented_key is not None:
        g.omics_identity = _key_identity(presented_key)
        return
    try:
        g.omics_identity = _token_identity()
    except (JWTExtendedException, pyjwt.PyJWTError) as error:
        raise reject_token(error) from None


def _configure_jwt(app: Flask, settings: Settings) -> None:
    # Settings built by hand (tests) may lack a secret: use the data directory's, as from_env does.
    secret = (
        settings.security.jwt_secret
        or settings.secret_key
        or persistent_secret(settings.data_dir, "secret_key")
    )
    app.config.update(
        JWT_SECRET_KEY=secret,
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=settings.security.access_token_minutes),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=settings.security.refresh_token_days),
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        JWT_COOKIE_SECURE=settings.host not in ("127.0.0.1", "localhost", "::1"),
        JWT_COOKIE_SAMESITE="Strict",
        JWT_COOKIE_CSRF_PROTECT=True,
        JWT_REFRESH_COOKIE_PATH="/api/v2/auth/",
        JWT_REFRESH_CSRF_COOKIE_PATH="/",
    )


def init_app(app: Flask, settings: Settings) -> None:
    """Bind JWT handling and the identity hook to ``app`` (its state holds the blocklist)."""
    _configure_jwt(app, settings)
    jwt_manager.init_app(app)
    app.before_request(authenticate_request)
