"""The OAuth2 authorization server's HTTP surface (Authlib answers; we audit).

- ``POST /oauth/token``: RFC 6749 ``password``, ``refresh_token`` and ``client_credentials``
  grants, form-encoded, client authentication by HTTP Basic, form fields, or ``client_id``
  alone for public clients. Swagger UI's "Authorize" (password or client-credentials flow)
  points its ``tokenUrl`` here.
- ``POST /oauth/revoke`` (RFC 7009) and ``POST /oauth/introspect`` (RFC 7662).
- ``GET /.well-known/oauth-authorization-server`` (RFC 8414) and ``GET /.well-known/jwks.json``.
- ``GET /oauth/oidc/login`` and ``/oauth/oidc/callback``: sign-in with the configured external
  OpenID Connect provider; the account is linked by the provider's subject and signed in with
  the same cookies as a cookie login.

Answers and errors follow the RFCs (``{"error": "invalid_grant", "error_description": ...}``)
rather than this API's error shape, because standard OAuth2 clients parse them.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from flask import Blueprint, Response, jsonify, request, url_for
from joserfc.errors import JoseError
from werkzeug.wrappers import Response as BaseResponse

from omics.security.oauth import external
from omics.security.oauth.clients import GRANT_TYPES, SCOPES
from omics.web import oidc, sessions
from omics.web.audit_trail import audit_request
from omics.web.auth import handles_own_auth
from omics.web.errors import ApiError
from omics.web.oauth_server import current_server
from omics.web.rate_limits import rate_limited
from omics.web.state import current_state

bp = Blueprint("oauth", __name__)
_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def _caller_client_id() -> str | None:
    basic = request.authorization
    if basic is not None and basic.type == "basic":
        return basic.username
    return request.form.get("client_id")


def _error_code(response: Response) -> str | None:
    try:
        body: dict[str, Any] = json.loads(response.get_data(as_text=True) or "{}")
    except ValueError:
        return None
    return body.get("error") if isinstance(body.get("error"), str) else None


@bp.post("/oauth/token")
@rate_limited
@handles_own_auth
def token() -> Response:
    response: Response = current_server().create_token_response()
    details = {"grant_type": request.form.get("grant_type"), "client_id": _caller_client_id()}
    if response.status_code == 200:
        audit_request("oauth_token", "success", target=details["client_id"], details=details)
    else:
        audit_request(
            "oauth_token",
            "failure",
            target=details["client_id"],
            details={**details, "error": _error_code(response)},
        )
    return response


@bp.post("/oauth/revoke")
@handles_own_auth
def revoke() -> Response:
    response: Response = current_server().create_endpoint_response("revocation")
    return response


@bp.post("/oauth/introspect")
@handles_own_auth
def introspect() -> Response:
    response: Response = current_server().create_endpoint_response("introspection")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/.well-known/oauth-authorization-server")
@handles_own_auth
def metadata() -> Response:
    base = sessions.issuer()
    return jsonify(
        {
            "issuer": base,
            "token_endpoint": f"{base}/oauth/token",
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "introspection_endpoint": f"{base}/oauth/introspect",
            "grant_types_supported": list(GRANT_TYPES),
            "response_types_supported": [],  # no authorization endpoint: no redirect-based grant
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": _AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": _AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": _AUTH_METHODS[:2],
        }
    )


@bp.get("/.well-known/jwks.json")
@handles_own_auth
def jwks() -> Response:
    response = jsonify(current_state().security.keyring.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _configured_provider() -> Any:
    client = oidc.provider()
    if client is None:
        raise ApiError(404, "no external identity provider is configured")
    return client


def _provider_unavailable(error: Exception) -> ApiError:
    audit_request(
        "external_login", "failure", details={"reason": f"provider unreachable: {type(error).__name__}"}
    )
    return ApiError(503, "the identity provider cannot be reached; try again later", "provider_unavailable")


@bp.get("/oauth/oidc/login")
@handles_own_auth
def oidc_login() -> BaseResponse:
    """Send the browser to the provider (authorization code flow with PKCE)."""
    try:
        response: BaseResponse = _configured_provider().authorize_redirect(
            url_for("oauth.oidc_callback", _external=True)
        )
    except requests.RequestException as error:
        raise _provider_unavailable(error) from None
    return response


@bp.get("/oauth/oidc/callback")
@handles_own_auth
def oidc_callback() -> BaseResponse:
    """Exchange the code, verify the ID token, sign the linked account in with cookies, go home."""
    client = _configured_provider()
    settings = current_state().settings.oauth
    try:
        claims = client.authorize_access_token()["userinfo"]
    except requests.RequestException as error:
        raise _provider_unavailable(error) from None
    except (OAuthError, KeyError, ValueError, JoseError) as error:
        audit_request(
            "external_login", "failure", details={"issuer": settings.oidc_issuer, "reason": str(error)[:200]}
        )
        raise ApiError(
            400, "the identity provider's answer could not be verified", "external_login_failed"
        ) from None
    suggested = claims.get("preferred_username") or str(claims.get("email", "")).split("@")[0] or "user"
    with current_state().security.database.transaction() as session:
        signed_in = external.sign_in(
            session, claims["iss"], claims["sub"], suggested, settings.oidc_default_role
        )
        user = signed_in.user
    identity = sessions.user_identity(user)
    if user.disabled:
        audit_request("external_login", "denied", identity=identity, details={"issuer": claims["iss"]})
        raise ApiError(403, "this account is disabled", "account_disabled")
    audit_request(
        "external_login",
        "success",
        identity=identity,
        details={"issuer": claims["iss"], "created": signed_in.created},
    )
    response = Response(status=302, headers={"Location": url_for("page.index")})
    sessions.set_cookies(response, sessions.issue(sessions.start(user)))
    return response
