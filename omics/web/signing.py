"""flask-jwt-extended signs with the keyring's active asymmetric key and verifies by ``kid``.

Signing: the active key (RS256 or EdDSA) with its ``kid`` in the header. Verifying: a token
with a ``kid`` needs that published key, with the algorithm the key was made for (no
algorithm confusion: an RSA key never checks an HMAC signature); a token without a ``kid`` is
an HMAC token of an earlier release, accepted only inside the legacy window (signed before
the move, expiring within the longest token lifetime). A token lacking any claim in
:data:`REQUIRED_CLAIMS`, and anything else, is refused as invalid.
"""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
from flask import Flask, current_app, g

from omics.security import audit
from omics.security.models import utcnow
from omics.security.oauth import keys
from omics.security.state import SecurityState
from omics.web.extensions import jwt_manager
from omics.web.state import current_state, state_of

_CHOSEN_KEY = "omics_signing_key"

# Claims every token this app issues carries. flask-jwt-extended would otherwise read a token
# without ``type`` as an access token and one without ``exp`` as never expiring, so a token
# signed with the real key but hand-made without them must still be refused.
REQUIRED_CLAIMS = ("sub", "exp", "iat", "jti", "type")


def _active_key() -> keys.ActiveKey:
    return current_state().security.keyring.active()


@jwt_manager.additional_headers_loader
def _kid_header(_identity: Any) -> dict[str, str]:
    key = _active_key()
    setattr(g, _CHOSEN_KEY, key)  # the encode loader signs with this very key, even if the keyring reloads
    return {"kid": key.kid}


@jwt_manager.encode_key_loader
def _signing_key(_identity: Any) -> Any:
    key: keys.ActiveKey = g.pop(_CHOSEN_KEY, None) or _active_key()
    return key.private_key


@jwt_manager.decode_key_loader
def _verifying_key(header: dict[str, Any], claims: dict[str, Any]) -> Any:
    for claim in REQUIRED_CLAIMS:
        if claims.get(claim) in (None, ""):
            raise pyjwt.MissingRequiredClaimError(claim)
    keyring = current_state().security.keyring
    issued_at, expires_at = claims.get("iat"), claims.get("exp")
    if not isinstance(issued_at, int | float) or not isinstance(expires_at, int | float):
        raise pyjwt.InvalidTokenError("the token lacks iat or exp")
    kid = header.get("kid")
    if kid is None:
        window = keyring.legacy()
        if header.get("alg") != keys.LEGACY_ALGORITHM or window is None:
            raise pyjwt.InvalidTokenError("a token without kid")
        if not window.accepts(issued_at, expires_at, utcnow()):
            raise pyjwt.InvalidTokenError("an HMAC token issued after the move to asymmetric keys")
        return current_app.config["JWT_SECRET_KEY"]
    key = keyring.verifying_key(str(kid), issued_at)
    if key is None or header.get("alg") != key.algorithm:
        raise pyjwt.InvalidTokenError("unknown or retired kid")
    return key.public_key


def start_keyring(security: SecurityState) -> None:
    """Make sure a key of the configured algorithm signs (the first start retires HMAC), audited."""
    settings = security.settings
    created = keys.ensure_signing_key(
        security.database,
        settings.oauth.signing_algorithm,
        keys.passphrase(settings),
        keys.verify_window(settings),
    )
    if created is not None:
        security.keyring.invalidate()
        audit.record(
            security.database,
            audit.AuditEvent(
                action="key_rotate",
                outcome="success",
                actor="system",
                actor_role="admin",
                target=created,
                details={"algorithm": settings.oauth.signing_algorithm, "reason": "start"},
            ),
        )


def init_app(app: Flask) -> None:
    """Sign with the keyring from now on; HS256 stays decodable for the legacy window only."""
    security = state_of(app).security
    start_keyring(security)
    app.config.update(
        JWT_ALGORITHM=security.settings.oauth.signing_algorithm,
        JWT_DECODE_ALGORITHMS=[*keys.ALGORITHMS, keys.LEGACY_ALGORITHM],
    )
