"""Another local user gets nothing: the embedded Redis wants its password and refuses commands
that reach beyond its data (issue 10, item 3); the data directory is 0700 and every file in it
0600 (item 11)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from omics.cache.tiers import SqliteTier
from omics.config import SecuritySettings, Settings, persistent_secret
from omics.connections import connect, start_embedded_redis, stop_embedded_redis
from omics.security.database import Database


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[str]:
    """A private embedded Redis of this test (stopped at its end)."""
    url = start_embedded_redis(tmp_path / "data")
    yield url
    stop_embedded_redis(tmp_path / "data")


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The usual umask 022, under which anything not created private would be world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_client_without_the_password_can_neither_read_nor_delete_keys(embedded: str) -> None:
    owner = connect(embedded)
    owner.set("omics:blocklist:jti-1", "revoked")
    address = urlsplit(embedded)
    once = Retry(NoBackoff(), 0)  # type: ignore[no-untyped-call]  # redis-py leaves NoBackoff() unannotated
    stranger = redis.Redis(host=address.hostname or "", port=address.port or 0, retry=once)
    for attempt in (
        lambda: stranger.get("omics:blocklist:jti-1"),
        lambda: stranger.delete("omics:blocklist:jti-1"),
        lambda: stranger.keys("*"),
    ):
        with pytest.raises(redis.AuthenticationError):
            attempt()
    guessing = redis.Redis(host=address.hostname or "", port=address.port or 0, password="omics", retry=once)
    with pytest.raises(redis.AuthenticationError):
        guessing.get("omics:blocklist:jti-1")
    assert owner.get("omics:blocklist:jti-1") == "revoked"


def test_commands_that_reach_beyond_the_data_are_refused_even_with_the_password(
    embedded: str, tmp_path: Path
) -> None:
    owner = connect(embedded)
    owner.set("kept", "1")
    for command in (("CONFIG", "SET", "dir", str(tmp_path)), ("CONFIG", "GET", "*"), ("FLUSHALL",)):
        with pytest.raises(redis.ResponseError, match="unknown command"):
            owner.execute_command(*command)
    with pytest.raises(redis.ResponseError, match="unknown command"):
        owner.execute_command("DEBUG", "SLEEP", "0")
    assert owner.get("kept") == "1"
    assert not list(tmp_path.glob("*.rdb"))


def test_the_data_directory_is_private_and_every_file_in_it_is_the_owners_alone(
    tmp_path: Path, permissive_umask: None
) -> None:
    data_dir = tmp_path / "data"
    # The database in the data directory (SQLite), whatever DATABASE_URL the run has.
    settings = Settings(data_dir=data_dir, redis_url=None, secret_key="", security=SecuritySettings())
    persistent_secret(data_dir, "secret_key")
    database = Database.from_settings(settings)  # omics.sqlite3 (+ -wal, -shm), .audit_key
    database.create_schema()
    database.dispose()
    tier = SqliteTier(data_dir / "cache.sqlite3", ttl=60, max_entries=10)  # cache.sqlite3
    assert tier.get("absent") is None
    url = start_embedded_redis(data_dir)  # password, config, dump, append-only file, log
    try:
        connect(url).set("a key", "a value")
        connect(url).bgsave()
    finally:
        stop_embedded_redis(data_dir)

    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    found = {
        path.relative_to(data_dir).as_posix(): stat.S_IMODE(path.stat().st_mode)
        for path in data_dir.rglob("*")
    }
    for expected in (".secret_key", ".audit_key", "omics.sqlite3", "cache.sqlite3", "redis/password"):
        assert expected in found
    assert {"redis/omics.rdb", "redis/appendonly.aof"} <= set(found)
    loose = {name: oct(mode) for name, mode in found.items() if mode not in (0o600, 0o700)}
    assert loose == {}


def test_a_data_directory_made_open_by_an_earlier_release_is_closed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    persistent_secret(data_dir, "secret_key")
    start_embedded_redis(data_dir)
    stop_embedded_redis(data_dir)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
