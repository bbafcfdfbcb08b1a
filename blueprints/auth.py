"""Login, refresh with rotation, logout, and who-am-I, under ``/api/v2/auth``.

Login starts a refresh-token family; each refresh rotates it (the old refresh token stops
working); replaying an old refresh token revokes the whole family and the access tokens it
issued, unless it is the one rotated away last, within the grace window (the rules live in
``omics.web.sessions``, shared with ``/oauth/token``). Logout works after the access token
expired and always clears the cookies. Browsers may ask for cookies instead of tokens in the
body (``"cookie": true``): the tokens then travel in HttpOnly cookies and writes need the
``X-CSRF-TOKEN`` header.
"""

from __future__ import annotations

import hmac
from typing import Any

import jwt as pyjwt
from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_jwt_extended import (
    decode_token,
    get_jwt,
    get_jwt_request_location,
    unset_jwt_cookies,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import CSRFError, JWTExtendedException
from marshmallow import RAISE, Schema, fields, validate

from omics.web import sessions
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


@bp.post("/login")
@rate_limited
@handles_own_auth
def login() -> Response:
    body = _login_schema.load(json_body())
    user = sessions.authenticate(body["username"], body["password"])
    return sessions.pair_response(sessions.issue(sessions.start(user)), body["cookie"])


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
    grant = sessions.refresh(_presented_refresh_claims())
    return sessions.pair_response(sessions.issue(grant), get_jwt_request_location() == "cookies")


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
    families = sessions.revoke(presented)
    caller = Identity(subject=presented[0]["sub"], role=presented[0].get("role", "anonymous"))
    audit_request("logout", "success", identity=caller, details={"families": families})
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


@bp.get("/providers")
def providers() -> Response:
    """The external identity providers a user may sign in with (empty when none is configured)."""
    oauth = current_state().settings.oauth
    listed = (
        [{"name": oauth.oidc_name, "login_url": url_for("oauth.oidc_login")}] if oauth.oidc_configured else []
    )
    return jsonify({"providers": listed})
