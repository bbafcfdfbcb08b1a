"""Login, refresh with rotation, logout, and who-am-I, under ``/api/v2/auth``.

Login starts a refresh-token family; each refresh rotates it (the old refresh token stops
working); replaying an old refresh token revokes the whole family and the access tokens it
issued. Browsers may ask for cookies instead of tokens in the body (``"cookie": true``): the
tokens then travel in HttpOnly cookies and writes need the ``X-CSRF-TOKEN`` header.
"""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
from flask import Blueprint, Response, jsonify, request, url_for
from flask_jwt_extended import (
    decode_token,
    get_jwt,
    get_jwt_request_location,
    unset_jwt_cookies,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import JWTExtendedException
from marshmallow import RAISE, Schema, fields, validate

from omics.web import sessions
from omics.web.auth import audit_request, handles_own_auth, reject_token
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
    grant = sessions.refresh(_presented_refresh_claims())
    return sessions.pair_response(sessions.issue(grant), get_jwt_request_location() == "cookies")


def _presented_tokens() -> list[dict[str, Any]]:
    """Claims of every token presented for logout: header, body, cookies (CSRF-checked)."""
    raw = []
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        raw.append(header[7:].strip())
    if request.content_length:
        raw.extend(_logout_schema.load(json_body()).values())
    try:
        claims = [decode_token(token) for token in raw]
        if not raw and verify_jwt_in_request(optional=True, locations=["cookies"]):
            claims.append(get_jwt())
    except (JWTExtendedException, pyjwt.PyJWTError) as error:
        raise reject_token(error) from None
    if not claims:
        raise ApiError(401, "present the tokens to revoke", "authentication_required")
    return claims


@bp.post("/logout")
@handles_own_auth
def logout() -> Response:
    presented = _presented_tokens()
    families = sessions.revoke(presented)
    caller = Identity(subject=presented[0]["sub"], role=presented[0].get("role", "anonymous"))
    audit_request("logout", "success", identity=caller, details={"families": families})
    response = jsonify({"status": "logged_out"})
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
