"""Login, refresh with rotation, logout, and who-am-I, under ``/api/v2/auth``.

Login starts a refresh-token family; each refresh rotates it (the old refresh token stops
working); replaying an old refresh token revokes the whole family and the access tokens it
issued. Browsers may ask for cookies instead of tokens in the body (``"cookie": true``): the
tokens then travel in HttpOnly cookies and writes need the ``X-CSRF-TOKEN`` header.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt as pyjwt
from flask import Blueprint, Response, current_app, jsonify, request
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    decode_token,
    get_csrf_token,
    get_jwt,
    get_jwt_request_location,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import CSRFError, JWTExtendedException
from marshmallow import RAISE, Schema, fields, validate

from omics.security import accounts, audit, tokens
from omics.security.models import User
from omics.web import auth_failures
from omics.web.audit_trail import audit_request
from omics.web.auth import handles_own_auth, reject_token
from omics.web.errors import ApiError
from omics.web.identity import Identity, current_identity
from omics.web.rate_limits import rate_limited
from omics.web.schemas import json_body
from omics.web.state import current_state

bp = Blueprint("auth", __name__, url_prefix="/api/v2/auth")


class LoginSchema(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    cookie = fields.Boolean(load_default=False)


class LogoutSchema(Schema):
    class Meta:
        unknown = RAISE

    refresh_token = fields.String(validate=validate.Length(max=4096))


_login_schema = LoginSchema()
_logout_schema = LogoutSchema()


def _user_identity(user: User) -> Identity:
    return Identity(subject=user.username, role=user.role)


def _derived_id(kind: str, refresh_jti: str) -> str:
    """An id fixed by the refresh token's id, so a pair can be issued again identically."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"omics:{kind}:{refresh_jti}"))


def _token_pair(user: User, family: str, refresh_jti: str, issued_at: datetime, cookie: bool) -> Response:
    """The family's current pair, in the body or as cookies.

    Every claim (times, ids, CSRF values) follows from the family's current refresh token id
    and the time it was issued, so the pair a rotation answered with is answered again,
    byte for byte, when the rotated token is replayed within the grace window.
    """
    security = current_state().security
    iat = int(issued_at.replace(tzinfo=UTC).timestamp())
    refresh_seconds = security.settings.security.refresh_token_days * 86400
    access_jti = _derived_id("access", refresh_jti)

    def claims(jti: str, lifetime: int) -> dict[str, Any]:
        return {
            "role": user.role,
            "fam": family,
            "iat": iat,
            "nbf": iat,
            "exp": iat + lifetime,
            "jti": jti,
            "csrf": _derived_id("csrf", jti),
        }

    access = create_access_token(
        identity=user.username, additional_claims=claims(access_jti, security.access_seconds)
    )
    refresh = create_refresh_token(
        identity=user.username, additional_claims=claims(refresh_jti, refresh_seconds)
    )
    expires_in = security.access_seconds
    if cookie:
        response = jsonify(
            {"token_type": "cookie", "expires_in": expires_in, "csrf_token": get_csrf_token(access)}
        )
        set_access_cookies(response, access)
        set_refresh_cookies(response, refresh)
    else:
        response = jsonify(
            {
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "Bearer",
                "expires_in": expires_in,
            }
        )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/login")
@rate_limited
@handles_own_auth
def login() -> Response:
    body = _login_schema.load(json_body())
    refresh_jti = str(uuid.uuid4())
    with current_state().security.database.transaction() as session:
        user = accounts.authenticate(session, body["username"], body["password"])
        family = tokens.start_family(session, user.id, refresh_jti) if user else None
        issued_at = tokens.current_pair(session, family)[1] if family else None
        known = user is not None or accounts.find_user(session, body["username"]) is not None
    if user is None or family is None or issued_at is None:
        # An unknown name may be a password typed in the wrong field: only a masked trace of it.
        target = body["username"] if known else audit.mask(body["username"])
        auth_failures.record_failure("login", target=target)
        raise ApiError(401, "wrong username or password", "invalid_credentials")
    audit_request("login", "success", identity=_user_identity(user), details={"family": family})
    return _token_pair(user, family, refresh_jti, issued_at, body["cookie"])


def _presented_refresh_claims() -> dict[str, Any]:
    try:
        verify_jwt_in_request(refresh=True)
    except (JWTExtendedException, pyjwt.PyJWTError) as error:
        raise reject_token(error) from None
    return get_jwt()


@bp.post("/refresh")
@handles_own_auth
def refresh() -> Response:
    """Rotate the refresh token (or, within the grace window, answer the rotation's pair again)."""
    claims = _presented_refresh_claims()
    family, new_jti = claims.get("fam", ""), str(uuid.uuid4())
    grace = current_state().settings.security.refresh_reuse_grace_seconds
    issued = (tokens.Rotation.ROTATED, tokens.Rotation.REPLAYED)
    with current_state().security.database.transaction() as session:
        outcome = tokens.rotate(session, family, claims["jti"], new_jti, grace)
        user = accounts.find_user(session, claims["sub"])
        pair = tokens.current_pair(session, family) if outcome in issued else None
    caller = Identity(subject=claims["sub"], role=claims.get("role", "anonymous"))
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
    audit_request("refresh", "success", identity=_user_identity(user), details=details)
    return _token_pair(user, family, *pair, get_jwt_request_location() == "cookies")


def _cookie_claims() -> list[dict[str, Any]]:
    """Claims of the session cookies, expired or not, once the CSRF header matches one of them.

    Logout must work after the access token expired (the refresh cookie still holds a live
    session), so expiry is no reason to refuse it; the signature and CSRF still are.
    """
    names = (current_app.config["JWT_ACCESS_COOKIE_NAME"], current_app.config["JWT_REFRESH_COOKIE_NAME"])
    claims = [
        decode_token(request.cookies[name], allow_expired=True) for name in names if name in request.cookies
    ]
    presented = request.headers.get(current_app.config["JWT_ACCESS_CSRF_HEADER_NAME"], "")
    if claims and not any(
        hmac.compare_digest(presented, str(c.get("csrf", ""))) for c in claims if presented
    ):
        raise CSRFError("missing or wrong CSRF token")
    return claims


def _presented_tokens() -> list[dict[str, Any]]:
    """Claims of every token presented for logout: header, body, else cookies (CSRF-checked)."""
    raw = []
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        raw.append(header[7:].strip())
    if request.content_length:
        raw.extend(_logout_schema.load(json_body()).values())
    try:
        claims = [decode_token(token, allow_expired=True) for token in raw] if raw else _cookie_claims()
    except (JWTExtendedException, pyjwt.PyJWTError) as error:
        raise reject_token(error) from None
    if not claims:
        raise ApiError(401, "present the tokens to revoke", "authentication_required")
    return claims


def _end_sessions(presented: list[dict[str, Any]]) -> Response:
    state = current_state().security
    families = {claims["fam"] for claims in presented if claims.get("fam")}
    for claims in presented:
        state.blocklist.block_token(claims["jti"], claims["exp"])
    with state.database.transaction() as session:
        for family in families:
            tokens.revoke_family(session, family, "logout")
    state.block_families(families)
    caller = Identity(subject=presented[0]["sub"], role=presented[0].get("role", "anonymous"))
    audit_request("logout", "success", identity=caller, details={"families": sorted(families)})
    return jsonify({"status": "logged_out"})


@bp.post("/logout")
@handles_own_auth
def logout() -> Response:
    """Revoke the presented tokens and their sessions; the cookies are cleared whatever happens."""
    try:
        response = _end_sessions(_presented_tokens())
    except ApiError as error:
        response = error.response()
    unset_jwt_cookies(response)
    return response


@bp.get("/me")
def me() -> Response:
    identity = current_identity()
    return jsonify(
        {
            "subject": identity.subject,
            "role": identity.role,
            "method": identity.method,
            "permissions": sorted(identity.permissions),
        }
    )
