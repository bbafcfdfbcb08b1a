"""Fixtures for the security tests: a fresh database per test, one app with accounts per session.

The database is a SQLite file by default. With ``DATABASE_URL`` set (PostgreSQL), each test
gets its own schema in that database through ``search_path``, dropped afterwards, so runs
never see each other's rows.
"""

from __future__ import annotations

import itertools
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from omics.config import SecuritySettings, ServiceSettings, Settings
from omics.security import accounts, audit
from omics.security.database import Database
from omics.security.models import AuditEntry
from omics.web.state import state_of

PASSWORD = "a long test password 42"
USERS = {"alice": "researcher", "bob": "researcher", "carol": "curator", "root": "admin"}
ANONYMOUS_LIMIT = 5
_ADDRESSES = itertools.count(1)


def _postgres_schema_url(base_url: str, schema: str) -> str:
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        db = Database(f"sqlite:///{tmp_path / 'security.sqlite3'}")
        db.create_schema()
        yield db
        db.dispose()
        return
    schema = f"sec_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(base_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    db = Database(_postgres_schema_url(base_url, schema))
    db.create_schema()
    yield db
    db.dispose()
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


@pytest.fixture(scope="session")
def security_settings(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Settings:
    """Settings of the security app: tight anonymous limit, its own data directory and database."""
    return Settings(
        data_dir=tmp_path_factory.mktemp("security-data"),
        redis_url=redis_url,
        secret_key="security-tests-" + uuid.uuid4().hex,
        service=ServiceSettings(max_body_bytes=16 * 1024, ws_ping_interval=25),
        security=SecuritySettings(
            database_url=os.environ.get("DATABASE_URL") or None,
            rate_limit_anonymous=f"{ANONYMOUS_LIMIT}/minute",
            rate_limit_user="1000/minute",
            # The reuse tests replay a rotated token at once; the grace window has its own tests.
            refresh_reuse_grace_seconds=0,
        ),
    )


@contextmanager
def app_in_own_schema(settings: Settings, celery_app: Any) -> Iterator[Flask]:
    """An app on ``settings``; under PostgreSQL its tables live in a schema of their own."""
    from app import create_app

    base_url = settings.security.database_url
    if not base_url:
        yield create_app(settings, celery_app)
        return
    schema = f"sec_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(base_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    settings.security.database_url = _postgres_schema_url(base_url, schema)
    yield create_app(settings, celery_app)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


def create_accounts(app: Flask) -> Database:
    """One account per role of :data:`USERS` in ``app``'s database (password :data:`PASSWORD`)."""
    database = state_of(app).security.database
    with database.transaction() as session:
        for name, role in USERS.items():
            accounts.create_user(session, name, PASSWORD, role)
    return database


@pytest.fixture(scope="session")
def secure_app(security_settings: Settings, celery_app: Any) -> Iterator[Flask]:
    with app_in_own_schema(security_settings, celery_app) as app:
        yield app


@pytest.fixture(scope="session")
def accounts_db(secure_app: Flask) -> Database:
    """The app's database, with one account per role (password :data:`PASSWORD`)."""
    return create_accounts(secure_app)


@pytest.fixture
def client(secure_app: Flask, accounts_db: Database) -> FlaskClient:
    """A test client whose requests come from a fresh address (rate limits count per address)."""
    client = secure_app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{next(_ADDRESSES)}"
    return client


def login(client: FlaskClient, username: str) -> dict[str, Any]:
    response = client.post("/api/v2/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_text(database: Database) -> str:
    """Every audit row as text, to check that no secret was ever written."""
    with database.transaction() as session:
        entries = session.scalars(select(AuditEntry))
        return "\n".join(json.dumps(audit.entry_to_dict(entry)) for entry in entries)


def audit_rows(database: Database, action: str) -> list[dict[str, Any]]:
    with database.transaction() as session:
        return [
            audit.entry_to_dict(entry)
            for entry in session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
            )
        ]
