"""The OAuth2 authorization server (Authlib): token endpoint grants, revocation, introspection.

Authlib does the protocol (parsing, client authentication by HTTP Basic, form fields or none
for public clients, grant dispatch, RFC 6749/7009/7662 answers and errors); this module only
connects it to our state. Tokens are the same JWTs the contract's ``/api/v2/auth`` issues,
made by :mod:`omics.web.sessions`, so both paths share rotation, reuse detection, revocation
and audit. Every token carries an explicit ``scope``: what the client may ask for, within
what the user's (or, for ``client_credentials``, the owner's) role allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt as pyjwt
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import (
    ClientCredentialsGrant,
    RefreshTokenGrant,
    ResourceOwnerPasswordCredentialsGrant,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask, current_app
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException

from omics.security.models import User
from omics.security.oauth import clients
from omics.security.oauth.models import OAuthClient as OAuthClientRecord
from omics.security.roles import permissions_for
from omics.web import sessions
from omics.web.audit_trail import audit_request
from omics.web.errors import ApiError
from omics.web.state import current_state

_EXTENSION_KEY = "omics_oauth"
_SECRET_METHODS = ["client_secret_basic", "client_secret_post"]
_ANY_METHOD = [*_SECRET_METHODS, "none"]


class RegisteredClient(ClientMixin):  # type: ignore[misc]  # Authlib ships no type hints
    """Authlib's view of one of our registered clients."""

    def __init__(self, record: OAuthClientRecord) -> None:
        self.record = record

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # no redirect-based grant is offered

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in self.record.scope_list)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return clients.secret_matches(self.record, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none" if self.record.public else method in _SECRET_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.record.grant_list


@dataclass(frozen=True)
class IssuedToken(TokenMixin):  # type: ignore[misc]  # Authlib ships no type hints
    """A verified JWT of ours, as Authlib's refresh, revocation and introspection see it."""

    claims: dict[str, Any]

    def check_client(self, client: RegisteredClient) -> bool:
        return bool(self.claims.get("client_id") == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def get_expires_in(self) -> int:
        return int(self.claims["exp"] - self.claims["iat"])

    def is_expired(self) -> bool:
        return False  # decoding already refused expired tokens

    def is_revoked(self) -> bool:
        return current_state().security.blocklist.is_blocked(self.claims["jti"], self.claims.get("fam"))


def verified_claims(token: str) -> dict[str, Any] | None:
    """The claims of a token this server signed and that has not expired, else None."""
    try:
        claims: dict[str, Any] = decode_token(token)
    except (JWTExtendedException, pyjwt.PyJWTError):
        return None
    return claims


def _grant_scope(client: RegisteredClient, role: str, requested: str | None) -> str:
    """The scope a token gets: the requested one (default: all the client may have) within the role."""
    allowed = set(client.record.scope_list) & {permission.value for permission in permissions_for(role)}
    wanted = set(requested.split()) if requested else allowed
    if not wanted or wanted - allowed:
        raise InvalidScopeError(
            f"scopes not available to this client and user: {' '.join(sorted(wanted - allowed))}"
        )
    return " ".join(sorted(wanted))


def _generate_token(
    grant_type: str,
    client: RegisteredClient,
    user: Any = None,
    scope: str | None = None,
    expires_in: int | None = None,
    include_refresh_token: bool = True,
) -> dict[str, Any]:
    """Authlib's token generator: every grant's tokens come from :mod:`omics.web.sessions`."""
    client_id = client.get_client_id()
    try:
        if grant_type == "refresh_token":
            grant = sessions.refresh(user.claims, client_id, scope)
        elif grant_type == "password":
            grant = sessions.start(user, _grant_scope(client, user.role, scope), client_id)
        else:
            owner = _active_owner(client)
            grant = sessions.Grant(owner, None, None, _grant_scope(client, owner.role, scope), client_id)
    except ApiError as error:
        raise InvalidGrantError(error.message) from None
    return sessions.issue(grant).as_oauth()


def _active_owner(client: RegisteredClient) -> User:
    owner = client.record.owner
    if owner is None or owner.disabled:
        raise InvalidGrantError("the client's owner account is missing or disabled")
    return owner


class PasswordGrant(ResourceOwnerPasswordCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _ANY_METHOD

    def authenticate_user(self, username: str, password: str) -> User:
        try:
            return sessions.authenticate(username, password)
        except ApiError as error:
            raise InvalidGrantError(error.message) from None


class RefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _ANY_METHOD
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        claims = verified_claims(refresh_token)
        return IssuedToken(claims) if claims is not None and claims.get("type") == "refresh" else None

    def authenticate_user(self, credential: IssuedToken) -> IssuedToken:
        return credential  # the rotation, which finds the user, happens when the token is issued

    def revoke_old_credential(self, refresh_token: IssuedToken) -> None:
        """Nothing to do: the rotation already made the presented refresh token unusable."""


class ServiceGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _SECRET_METHODS


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009: a client revokes its own tokens; a refresh token takes its whole session along."""

    CLIENT_AUTH_METHODS = _ANY_METHOD

    def query_token(self, token_string: str, token_type_hint: str | None) -> IssuedToken | None:
        claims = verified_claims(token_string)
        return IssuedToken(claims) if claims is not None else None

    def revoke_token(self, token: IssuedToken, request: Any) -> None:
        families = sessions.revoke([token.claims])
        audit_request(
            "token_revoke",
            "success",
            target=token.claims.get("client_id"),
            details={
                "token_type": token.claims.get("type"),
                "families": families,
                "subject": token.claims["sub"],
            },
        )


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    """RFC 7662: a client learns about its own tokens; one with ``token:introspect`` about any."""

    CLIENT_AUTH_METHODS = _SECRET_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> IssuedToken | None:
        claims = verified_claims(token_string)
        return IssuedToken(claims) if claims is not None else None

    def check_permission(self, token: IssuedToken, client: RegisteredClient, request: Any) -> bool:
        return token.check_client(client) or clients.INTROSPECT_SCOPE in client.record.scope_list

    def introspect_token(self, token: IssuedToken) -> dict[str, Any]:
        claims = token.claims
        return {
            "active": True,
            "scope": claims.get("scope"),
            "client_id": claims.get("client_id"),
            "username": claims["sub"],
            "sub": claims["sub"],
            "token_type": "refresh_token" if claims.get("type") == "refresh" else "access_token",
            "exp": claims["exp"],
            "iat": claims["iat"],
            "iss": claims.get("iss"),
            "jti": claims["jti"],
            "role": claims.get("role"),
        }


def _query_client(client_id: str) -> RegisteredClient | None:
    with current_state().security.database.transaction() as session:
        record = clients.find_client(session, client_id)
    return RegisteredClient(record) if record is not None else None


def _save_token(token: dict[str, Any], request: Any) -> None:
    """Nothing to store: tokens are signed JWTs, and sessions are stored when they start."""


def init_app(app: Flask) -> None:
    """Build this app's authorization server with our three grants and two token endpoints."""
    server = AuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_token_generator("default", _generate_token)
    for grant in (PasswordGrant, RefreshGrant, ServiceGrant):
        server.register_grant(grant)
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    app.extensions[_EXTENSION_KEY] = server


def current_server() -> AuthorizationServer:
    server: AuthorizationServer = current_app.extensions[_EXTENSION_KEY]
    return server
