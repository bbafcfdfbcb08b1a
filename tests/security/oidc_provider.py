"""An OpenID Connect provider stand-in that tests start over real HTTP (like ORCID or an institution's).

Discovery document, authorize (the person signing in is whoever ``sign_in_as`` names, so no
login form), token (authorization code, client secret, PKCE S256 checked), JWKS, userinfo.
It refuses what a real provider refuses: a missing or wrong PKCE verifier, a reused code, a
wrong client secret or redirect URI, so a relying party that cuts a corner fails here too.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt as pyjwt
from flask import Flask, jsonify, request
from joserfc.jwk import RSAKey

from tests.live_server import LiveServer

CLIENT_ID = "omics-test-client"
CLIENT_SECRET = "provider-issued-secret-" + secrets.token_hex(8)


@dataclass
class Person:
    sub: str
    preferred_username: str
    email: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Code:
    person: Person
    redirect_uri: str
    challenge: str
    nonce: str | None


class OidcProvider:
    """The stand-in: ``sign_in_as`` picks the person; ``pkce_checks`` counts verified exchanges."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, auto_kid=True)
        self.sign_in_as = Person("orcid-0000-0002-1825-0097", "josiah", "josiah@example.org")
        self.codes: dict[str, _Code] = {}
        self.access: dict[str, Person] = {}
        self.pkce_checks = 0
        self.app = self._build()
        self.server = LiveServer(self.app)
        self.url = self.server.url

    def stop(self) -> None:
        self.server.stop()

    def _id_token(self, person: Person, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "sub": person.sub, "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        claims |= {"preferred_username": person.preferred_username, "email": person.email, **person.extra}
        if nonce:
            claims["nonce"] = nonce
        return pyjwt.encode(
            claims, self.key.private_key, algorithm="RS256", headers={"kid": str(self.key.kid)}
        )

    def _build(self) -> Flask:
        app = Flask("oidc-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify(
                {
                    "issuer": self.url,
                    "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token",
                    "jwks_uri": f"{self.url}/jwks",
                    "userinfo_endpoint": f"{self.url}/userinfo",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                }
            )

        @app.get("/authorize")
        def authorize() -> Any:
            args = request.args
            if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
                return jsonify({"error": "unauthorized_client"}), 400
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                return jsonify({"error": "invalid_request", "error_description": "PKCE S256 required"}), 400
            code = secrets.token_urlsafe(16)
            self.codes[code] = _Code(
                self.sign_in_as, args["redirect_uri"], args["code_challenge"], args.get("nonce")
            )
            query = urlencode({"code": code, "state": args.get("state", "")})
            return "", 302, {"Location": f"{args['redirect_uri']}?{query}"}

        @app.post("/token")
        def token() -> Any:
            form = request.form
            basic = request.authorization
            client_id, secret = (
                (basic.username, basic.password)
                if basic
                else (form.get("client_id"), form.get("client_secret"))
            )
            if client_id != CLIENT_ID or secret != CLIENT_SECRET:
                return jsonify({"error": "invalid_client"}), 401
            grant = self.codes.pop(form.get("code", ""), None)  # a code works once
            if grant is None or form.get("redirect_uri") != grant.redirect_uri:
                return jsonify({"error": "invalid_grant"}), 400
            verifier = form.get("code_verifier", "")
            digest = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            )
            if digest != grant.challenge:
                return jsonify({"error": "invalid_grant", "error_description": "PKCE verifier mismatch"}), 400
            self.pkce_checks += 1
            access = secrets.token_urlsafe(24)
            self.access[access] = grant.person
            return jsonify(
                {
                    "access_token": access,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": self._id_token(grant.person, grant.nonce),
                }
            )

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify({"keys": [{**self.key.as_dict(private=False), "alg": "RS256", "use": "sig"}]})

        @app.get("/userinfo")
        def userinfo() -> Any:
            person = self.access.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
            if person is None:
                return jsonify({"error": "invalid_token"}), 401
            return jsonify(
                {"sub": person.sub, "preferred_username": person.preferred_username, "email": person.email}
            )

        return app
