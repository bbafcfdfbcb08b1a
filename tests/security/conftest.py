"""Fixtures for the security tests: a fresh database per test, one Redis per session.

The database is a SQLite file by default. With ``DATABASE_URL`` set (PostgreSQL), each test
gets its own schema in that database through ``search_path``, dropped afterwards, so runs
never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
import sqlalchemy

from omics.redis_connection import connect, resolve_redis_url
from omics.security.database import Database


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
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return resolve_redis_url(os.environ.get("REDIS_URL"), tmp_path_factory.mktemp("security-redis"))


@pytest.fixture
def redis_client(redis_url: str) -> redis.Redis:
    return connect(redis_url)
