"""Tables of the OAuth2 server: registered clients, signing keys, linked external identities.

They share :class:`omics.security.models.Base`, so ``Database.create_schema`` creates them
beside the accounts; none alters an existing table, so an upgrade only adds tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omics.security.models import Base, User, utcnow


class OAuthClient(Base):
    """A registered OAuth2 client; a confidential one has a secret, stored only as its SHA-256."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    grant_types: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    owner: Mapped[User | None] = relationship()

    @property
    def public(self) -> bool:
        return self.secret_hash is None

    @property
    def grant_list(self) -> list[str]:
        return self.grant_types.split()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class SigningKey(Base):
    """One token-signing key. The newest unretired key signs; retired keys only verify.

    ``private_pem`` is encrypted with the secret key and erased at retirement; ``public_jwk``
    is what the JWKS publishes. The HMAC secret of earlier releases is recorded as a retired
    row without key material (``kid`` :data:`omics.security.oauth.keys.LEGACY_KID`).
    """

    __tablename__ = "oauth_signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    private_pem: Mapped[str | None] = mapped_column(Text, default=None)
    public_jwk: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
    verify_until: Mapped[datetime | None] = mapped_column(default=None)


class ExternalIdentity(Base):
    """An account's link to a subject at an external OpenID Connect provider (issuer + ``sub``)."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_external_issuer_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()
