"""The SQL database behind accounts, keys, refresh families and the audit log.

A SQLite file in the data directory by default (nothing to install for a laptop run), or any
SQLAlchemy URL from ``DATABASE_URL`` (PostgreSQL in a deployment). SQLite transactions start
with ``BEGIN IMMEDIATE`` so that concurrent writers wait for each other (busy timeout)
instead of failing halfway through a read-then-write, which the refresh rotation and the
audit chain both rely on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from omics.config import Settings, persistent_secret
from omics.files import create_private_file
from omics.formats import add_missing_columns
from omics.security.audit_seal import ANCHOR_FILENAME, AuditSeal
from omics.security.models import GENESIS_HASH, AuditHead, AuditKeying, Base
from omics.security.oauth import models as _oauth_tables  # noqa: F401  (registers the OAuth tables)

SQLITE_FILENAME = "omics.sqlite3"


def database_url(settings: Settings) -> str:
    """``DATABASE_URL`` when set, else the SQLite file in the data directory."""
    if settings.security.database_url:
        return settings.security.database_url
    # Created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the same mode).
    path = create_private_file(settings.data_dir / SQLITE_FILENAME)
    return f"sqlite:///{path}"


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and explicit ``BEGIN IMMEDIATE`` transactions."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def audit_seal(settings: Settings) -> AuditSeal:
    """The audit key (``OMICS_AUDIT_KEY``, else the data directory's) and the anchor file."""
    key = settings.security.audit_key or persistent_secret(settings.data_dir, "audit_key")
    return AuditSeal(key.encode(), settings.data_dir / ANCHOR_FILENAME)


PENDING_ANCHORS = "audit_pending_anchors"


class Database:
    """An engine plus a session factory; one per process, shared by every request.

    Every session carries the audit seal (``session.info["audit_seal"]``), so the audit chain
    is keyed wherever it is appended to; entries are anchored once their transaction commits.
    Without a seal (tests) a random key is used: the chain verifies in this process only.
    """

    def __init__(self, url: str, seal: AuditSeal | None = None) -> None:
        self.engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        if self.engine.dialect.name == "sqlite":
            _configure_sqlite(self.engine)
        self.seal = seal or AuditSeal.ephemeral()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info={"audit_seal": self.seal})
        event.listen(self._sessions, "after_commit", self._anchor_committed)
        event.listen(
            self._sessions, "after_rollback", lambda session: session.info.pop(PENDING_ANCHORS, None)
        )

    def _anchor_committed(self, session: Session) -> None:
        self.seal.anchor(session.info.pop(PENDING_ANCHORS, []))

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        database = cls(database_url(settings), audit_seal(settings))
        database.create_schema()
        return database

    def create_schema(self) -> None:
        """Create missing tables, the audit head row and the keying record (idempotent, safe to race).

        The keying record is written once, the first time a keyed version opens the database:
        entries already there stay plain SHA-256 and verify as such.
        """
        Base.metadata.create_all(self.engine)
        add_missing_columns(self.engine, Base.metadata)
        try:
            with self.transaction() as session:
                if session.get(AuditHead, 1) is None:
                    session.add(AuditHead(id=1, seq=0, last_hash=GENESIS_HASH))
        except IntegrityError:
            pass  # another process created the head row at the same moment
        try:
            with self.transaction() as session:
                if session.get(AuditKeying, 1) is None:
                    # Lock the head first, so no entry is appended between reading it and keying.
                    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
                    head = session.get(AuditHead, 1)
                    keyed_from = (head.seq if head else 0) + 1
                    session.add(
                        AuditKeying(id=1, keyed_from=keyed_from, proof=keying_proof(self.seal, keyed_from))
                    )
        except IntegrityError:
            pass  # another process keyed the chain at the same moment

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def keying_proof(seal: AuditSeal, keyed_from: int) -> str:
    return seal.mac(f"omics-audit-keyed-from:{keyed_from}".encode())
