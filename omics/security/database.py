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

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from omics.config import Settings
from omics.formats import add_missing_columns
from omics.security.models import GENESIS_HASH, AuditHead, Base
from omics.security.oauth import models as _oauth_tables  # noqa: F401  (registers the OAuth tables)

SQLITE_FILENAME = "omics.sqlite3"


def database_url(settings: Settings) -> str:
    """``DATABASE_URL`` when set, else the SQLite file in the data directory."""
    if settings.security.database_url:
        return settings.security.database_url
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.data_dir / SQLITE_FILENAME}"


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


class Database:
    """An engine plus a session factory; one per process, shared by every request."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        if self.engine.dialect.name == "sqlite":
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        database = cls(database_url(settings))
        database.create_schema()
        return database

    def create_schema(self) -> None:
        """Create missing tables and columns and the audit head row (idempotent, safe to race)."""
        Base.metadata.create_all(self.engine)
        add_missing_columns(self.engine, Base.metadata)
        try:
            with self.transaction() as session:
                if session.get(AuditHead, 1) is None:
                    session.add(AuditHead(id=1, seq=0, last_hash=GENESIS_HASH))
        except IntegrityError:
            pass  # another process created the head row at the same moment

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
