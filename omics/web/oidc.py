"""Sign-in with an external OpenID Connect provider (Authlib's Flask client).

Authorization code flow with PKCE (S256), a ``state`` and a ``nonce`` kept in Flask's signed
session cookie; Authlib fetches the provider's discovery document and JWKS and verifies the
ID token (signature, issuer, audience, expiry, nonce). Configured from ``OMICS_OIDC_ISSUER``,
``OMICS_OIDC_CLIENT_ID`` and ``OMICS_OIDC_CLIENT_SECRET``; without them the routes answer 404.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

_EXTENSION_KEY = "omics_oidc"
PROVIDER = "external"


def init_app(app: Flask, issuer: str, client_id: str, client_secret: str, scope: str) -> None:
    registry = OAuth(app)
    registry.register(
        PROVIDER,
        client_id=client_id,
        client_secret=client_secret or None,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": scope, "code_challenge_method": "S256"},
    )
    app.extensions[_EXTENSION_KEY] = registry


def provider() -> Any | None:
    """The configured provider's client (Authlib's ``FlaskOAuth2App``), or None."""
    registry: OAuth | None = current_app.extensions.get(_EXTENSION_KEY)
    return registry.create_client(PROVIDER) if registry is not None else None
