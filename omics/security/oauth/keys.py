"""Token-signing keys: asymmetric, named by ``kid``, published as a JWKS, rotated without logouts.

The newest unretired key signs. Rotating creates a new key and retires the old one: the old
key's private half is erased, its public half stays in the JWKS until every token it signed
has expired (``verify_until`` = retirement + the longest token lifetime), so nobody is logged
out. The HMAC secret of earlier releases is retired the same way on first start (the move is
itself a rotation): tokens it signed before the move verify until they expire; an HMAC token
dated after the move, or living longer than any token could, is refused.

Private keys are stored encrypted with the deployment's secret key, so a copy of the database
alone cannot mint tokens. Every process caches the keyring briefly and reloads it when it
meets a ``kid`` it does not know, so a rotation by one process reaches the others.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from joserfc.jwk import OKPKey, RSAKey
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omics.config import Settings, persistent_secret
from omics.security.models import utcnow
from omics.security.oauth.models import SigningKey

if TYPE_CHECKING:  # the database module imports the OAuth tables, so no import cycle at run time
    from omics.security.database import Database

LEGACY_KID = "hs256-legacy"
LEGACY_ALGORITHM = "HS256"
ALGORITHMS = ("RS256", "EdDSA")
_RSA_BITS = 2048
_MISS_RELOAD_SECONDS = 1.0


class SigningKeyError(LookupError):
    """No usable key: the keyring is empty or the configured algorithm is unknown."""


@dataclass(frozen=True)
class ActiveKey:
    """The key that signs now (``private_key`` is a cryptography key object)."""

    kid: str
    algorithm: str
    private_key: Any


@dataclass(frozen=True)
class VerifyingKey:
    """A published key: what verifies the tokens it signed while ``verify_until`` is ahead."""

    kid: str
    algorithm: str
    public_key: Any
    jwk: dict[str, Any]
    retired_at: datetime | None
    verify_until: datetime | None

    def accepts(self, issued_at: float, now: datetime, grace: timedelta) -> bool:
        """Whether a token issued at ``issued_at`` (unix seconds) may still be verified with this key."""
        if self.retired_at is None:
            return True
        assert self.verify_until is not None
        issued_before_retirement = issued_at <= unix_seconds(self.retired_at + grace)
        return now < self.verify_until and issued_before_retirement


@dataclass(frozen=True)
class LegacyWindow:
    """When the HMAC secret stopped signing and until when its tokens verify."""

    moved_at: datetime
    verify_until: datetime

    def accepts(self, issued_at: float, expires_at: float, now: datetime) -> bool:
        return (
            now < self.verify_until
            and issued_at <= unix_seconds(self.moved_at)
            and expires_at <= unix_seconds(self.verify_until)
        )


def passphrase(settings: Settings) -> str:
    """What encrypts private signing keys at rest: the deployment's secret key."""
    return settings.secret_key or persistent_secret(settings.data_dir, "secret_key")


def verify_window(settings: Settings) -> timedelta:
    """The longest any token lives: how long a retired key keeps verifying."""
    return timedelta(days=settings.security.refresh_token_days)


def unix_seconds(moment: datetime) -> float:
    """Unix seconds of a naive UTC timestamp (the form stored in the database)."""
    return (moment - datetime(1970, 1, 1)).total_seconds()


def _generate(algorithm: str) -> RSAKey | OKPKey:
    if algorithm == "RS256":
        return RSAKey.generate_key(_RSA_BITS, auto_kid=True)
    if algorithm == "EdDSA":
        return OKPKey.generate_key("Ed25519", auto_kid=True)
    raise SigningKeyError(f"unknown signing algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")


def _import(algorithm: str, data: Any, password: str | None = None) -> RSAKey | OKPKey:
    kind = RSAKey if algorithm == "RS256" else OKPKey
    return kind.import_key(data, password=password)


def _new_row(algorithm: str, passphrase: str) -> SigningKey:
    key = _generate(algorithm)
    public = {**key.as_dict(private=False), "alg": algorithm, "use": "sig"}
    return SigningKey(
        kid=str(key.kid),
        algorithm=algorithm,
        private_pem=key.as_pem(private=True, password=passphrase).decode(),
        public_jwk=json.dumps(public, sort_keys=True),
    )


def _retire_active(session: Session, lifetime: timedelta) -> list[str]:
    """Retire every signing key: erase its private half, keep it verifying for ``lifetime``."""
    now = utcnow()
    retired = list(session.scalars(select(SigningKey.kid).where(SigningKey.retired_at.is_(None))))
    if retired:
        session.execute(
            update(SigningKey)
            .where(SigningKey.kid.in_(retired))
            .values(retired_at=now, verify_until=now + lifetime, private_pem=None)
        )
    return retired


def rotate(session: Session, algorithm: str, passphrase: str, lifetime: timedelta) -> tuple[str, list[str]]:
    """Start signing with a new key; returns its kid and the kids it retired."""
    retired = _retire_active(session, lifetime)
    row = _new_row(algorithm, passphrase)
    session.add(row)
    session.flush()
    return row.kid, retired


def prune(session: Session) -> int:
    """Delete retired keys past their verification window (the legacy record is kept as history)."""
    expired = list(
        session.scalars(
            select(SigningKey).where(SigningKey.verify_until < utcnow(), SigningKey.kid != LEGACY_KID)
        )
    )
    for row in expired:
        session.delete(row)
    return len(expired)


def ensure_signing_key(
    database: Database, algorithm: str, passphrase: str, lifetime: timedelta
) -> str | None:
    """On start: make sure a key of ``algorithm`` signs; the first start also retires HMAC.

    Returns the kid of a key created now (None when the keyring was already in order), so the
    caller can audit the rotation. Two processes starting together cannot both create the
    first key: the legacy row's fixed primary key lets only one transaction commit.
    """
    try:
        with database.transaction() as session:
            active = session.scalar(
                select(SigningKey)
                .where(SigningKey.retired_at.is_(None))
                .order_by(SigningKey.created_at.desc())
            )
            if active is not None and active.algorithm == algorithm:
                return None
            if session.get(SigningKey, LEGACY_KID) is None:
                now = utcnow()
                session.add(
                    SigningKey(
                        kid=LEGACY_KID,
                        algorithm=LEGACY_ALGORITHM,
                        retired_at=now,
                        verify_until=now + lifetime,
                    )
                )
            return rotate(session, algorithm, passphrase, lifetime)[0]
    except IntegrityError:
        return None  # another process moved the keyring at the same moment


@dataclass(frozen=True)
class _Snapshot:
    active: ActiveKey | None
    published: dict[str, VerifyingKey]
    legacy: LegacyWindow | None
    loaded_at: float


class Keyring:
    """A process's cached view of the signing keys: the active key, the JWKS, the HMAC window."""

    def __init__(self, database: Database, passphrase: str, reload_seconds: float = 30.0) -> None:
        self._database = database
        self._passphrase = passphrase
        self._reload_seconds = reload_seconds
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    @property
    def grace(self) -> timedelta:
        """How long after a rotation another process may still sign with the retired key."""
        return timedelta(seconds=2 * self._reload_seconds)

    def _load(self) -> _Snapshot:
        with self._database.transaction() as session:
            rows = list(session.scalars(select(SigningKey).order_by(SigningKey.created_at)))
        now = utcnow()
        published, active, legacy = {}, None, None
        for row in rows:
            if row.kid == LEGACY_KID:
                assert row.retired_at is not None and row.verify_until is not None
                legacy = LegacyWindow(row.retired_at, row.verify_until)
                continue
            if row.public_jwk is None or (row.verify_until is not None and row.verify_until <= now):
                continue
            jwk = json.loads(row.public_jwk)
            published[row.kid] = VerifyingKey(
                row.kid,
                row.algorithm,
                _import(row.algorithm, jwk).public_key,
                jwk,
                row.retired_at,
                row.verify_until,
            )
            if row.retired_at is None and row.private_pem is not None:
                private = _import(row.algorithm, row.private_pem, self._passphrase).private_key
                active = ActiveKey(row.kid, row.algorithm, private)
        return _Snapshot(active, published, legacy, time.monotonic())

    def _current(self, force: bool = False) -> _Snapshot:
        snapshot = self._snapshot
        age_limit = _MISS_RELOAD_SECONDS if force else self._reload_seconds
        if snapshot is None or time.monotonic() - snapshot.loaded_at >= age_limit:
            with self._lock:
                if self._snapshot is snapshot:
                    self._snapshot = self._load()
                snapshot = self._snapshot
        assert snapshot is not None
        return snapshot

    def active(self) -> ActiveKey:
        key = self._current().active
        if key is None:
            raise SigningKeyError("no signing key: start the app or run `python app.py rotate-keys`")
        return key

    def verifying_key(self, kid: str, issued_at: float) -> VerifyingKey | None:
        """The key ``kid`` when it may verify a token issued at ``issued_at``; reloads on a miss."""
        key = self._current().published.get(kid) or self._current(force=True).published.get(kid)
        return key if key is not None and key.accepts(issued_at, utcnow(), self.grace) else None

    def legacy(self) -> LegacyWindow | None:
        return self._current().legacy

    def jwks(self) -> dict[str, Any]:
        """The public keys that still verify tokens, as a JSON Web Key Set (RFC 7517)."""
        return {"keys": [key.jwk for key in self._current().published.values()]}

    def invalidate(self) -> None:
        """Forget the cached view (after a rotation in this process)."""
        with self._lock:
            self._snapshot = None
