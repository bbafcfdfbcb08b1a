"""Stored formats and ``python app.py migrate`` over data the previous release really wrote.

The fixtures are the bytes the first recorded release (``RELEASES``, 98899b6) left behind
after a v2 search for "breast cancer" was submitted, read and submitted again, and an API key
was made: its Redis keys (search state, result rows, an L2 entry and the L2 index), its L3
rows and its accounts database. They are loaded into a Redis and a data directory of their own.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import pickle
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from omics.cache.entry import CacheEntry
from omics.cache.tiers import SqliteTier
from omics.config import Settings
from omics.connections.redis import resolve_redis_url
from omics.formats import CACHE_DOCUMENT, RESULT, SEARCH, StoredFormat, run_migration
from omics.formats.migration import Checkpoint
from omics.realtime.search_state import SearchStore
from omics.runtime.migrate_cli import CHECKPOINT_FILE, migration_steps, run_migrate
from omics.runtime.search_services import search_ids
from omics.security.database import Database, database_url

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"
SEARCH_ID = "b39644b3484144b393a8c5d589fcba9c"
L2_KEY = "omics:cache:entry:v1:64a90781d228b70945e6925ea8e1247627f2c216"


@pytest.fixture
def old_data(tmp_path: Path) -> tuple[Settings, redis.Redis]:
    """A data directory and a Redis holding exactly what the previous release wrote."""
    settings = Settings(data_dir=tmp_path, redis_url=None, secret_key="test")
    client = redis.Redis.from_url(resolve_redis_url(None, tmp_path))
    with gzip.open(FIXTURES / "release-98899b6.json.gz", "rt") as fixture:
        dump = json.load(fixture)
    for key, stored in dump["redis"].items():
        value = stored["value"]
        if stored["type"] == "hash":
            client.hset(key, mapping=value)
        elif stored["type"] == "list":
            client.rpush(key, *value)
        elif stored["type"] == "zset":
            client.zadd(key, {member: 0 for member in value})
        else:
            client.set(key, base64.b64decode(value), ex=3600)
    SqliteTier(tmp_path / "cache.sqlite3", 3600, 100)  # the L3 table, as both releases declare it
    with sqlite3.connect(tmp_path / "cache.sqlite3") as l3:
        now = time.time()
        l3.executemany(
            "INSERT INTO cache_entries VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*row, now + 3600, now) for row in dump["l3"]],
        )
    shutil.copy(FIXTURES / "release-98899b6-accounts.sqlite3", tmp_path / "omics.sqlite3")
    return settings, client


def _migrate(settings: Settings, dry_run: bool = False, batch: int = 500) -> None:
    run_migrate(settings, argparse.Namespace(dry_run=dry_run, batch=batch))


def _l3_payloads(settings: Settings) -> list[dict[str, Any]]:
    with sqlite3.connect(settings.data_dir / "cache.sqlite3") as l3:
        return [json.loads(payload) for (payload,) in l3.execute("SELECT payload FROM cache_entries")]


def _key_row(settings: Settings) -> tuple[Any, ...]:
    with sqlite3.connect(settings.data_dir / "omics.sqlite3") as accounts:
        columns = {row[1] for row in accounts.execute("PRAGMA table_info(api_keys)")}
        if "record_format" not in columns:
            return (None, None)
        row: tuple[Any, ...] = accounts.execute("SELECT record_format, api_version FROM api_keys").fetchone()
        return row


def test_a_format_needs_every_upgrade_and_reads_newer_documents_as_they_are() -> None:
    with pytest.raises(ValueError, match="no upgrade from version"):
        StoredFormat("broken", 3, {1: dict})
    upgraded = RESULT.upgrade({"accession": "GSE1"})
    assert upgraded == {"accession": "GSE1", "submission_date": None, "format": 2}
    newer = {"accession": "GSE1", "format": 3, "added_later": True}
    assert RESULT.upgrade(newer) is newer  # written by the next release: additive, read as is


def test_readers_upgrade_what_the_previous_release_wrote(old_data: tuple[Settings, redis.Redis]) -> None:
    settings, client = old_data
    url = resolve_redis_url(None, settings.data_dir)
    store = SearchStore(redis.Redis.from_url(url, decode_responses=True), 60, ids=search_ids(settings))
    state = store.get(SEARCH_ID)
    assert state is not None and state.status == "completed" and state.format == 1
    page = store.page(state, 0, 3, lambda hit: {"materialised": hit["accession"]})
    assert len(page) == 3 and all(row["submission_date"] is None for row in page)
    later = store.page(state, 3, 1, lambda hit: {"materialised": hit["accession"]})
    assert "materialised" in later[0]  # a compact row the old release never showed

    document = _l2_entry(client).document()
    assert document["format"] == CACHE_DOCUMENT.current
    assert all("submission_date" in row for row in document["response"]["results"])


def _l2_entry(client: redis.Redis) -> CacheEntry:
    raw = client.get(L2_KEY)
    assert raw is not None and raw[:1] == b"!"  # cachelib's pickle marker
    return CacheEntry.from_json(pickle.loads(raw[1:]))


def test_migrate_dry_run_counts_and_changes_nothing(
    old_data: tuple[Settings, redis.Redis], capsys: pytest.CaptureFixture[str]
) -> None:
    settings, client = old_data
    before_l3 = _l3_payloads(settings)
    _migrate(settings, dry_run=True)
    out = capsys.readouterr().out
    assert "searches (redis): 1 seen, 1 would upgrade" in out
    assert "cache L2 (redis): 1 seen, 1 would upgrade" in out
    assert "cache L3 (sqlite): 2 seen, 2 would upgrade" in out
    assert "api_keys (api-key): 1 seen, 1 would upgrade" in out
    assert out.rstrip().endswith("dry run: 5 documents would upgrade")
    assert client.hget(f"omics:search:{{{SEARCH_ID}}}", "format") is None
    assert _l3_payloads(settings) == before_l3
    assert _key_row(settings) == (None, None)
    assert not (settings.data_dir / CHECKPOINT_FILE).exists()


def test_migrate_upgrades_in_place_resumes_after_a_stop_and_then_finds_nothing(
    old_data: tuple[Settings, redis.Redis], capsys: pytest.CaptureFixture[str]
) -> None:
    settings, client = old_data
    ttl_before = client.ttl(L2_KEY)
    database = Database(database_url(settings))
    database.create_schema()
    steps = migration_steps(settings, resolve_redis_url(None, settings.data_dir), database, batch=1)
    lines: list[str] = []

    def stop_after_l2(line: str) -> None:
        lines.append(line)
        if line.startswith("cache L2"):
            raise KeyboardInterrupt  # the operator's Ctrl-C, just after a checkpoint was saved

    with pytest.raises(KeyboardInterrupt):
        run_migration(steps, Checkpoint(settings.data_dir / CHECKPOINT_FILE), False, stop_after_l2)
    assert client.hget(f"omics:search:{{{SEARCH_ID}}}", "format") == str(SEARCH.current).encode()
    assert json.loads((settings.data_dir / CHECKPOINT_FILE).read_text())["step"] == "cache L2 (redis)"

    _migrate(settings, batch=1)
    out = capsys.readouterr().out
    assert "searches (redis): done in an earlier run" in out
    assert "cache L3 (sqlite): 2 seen, 2 upgraded" in out
    assert not (settings.data_dir / CHECKPOINT_FILE).exists()

    rows = [json.loads(row) for row in client.lrange(f"omics:search:{{{SEARCH_ID}}}:results", 0, -1)]
    shown = [row for row in rows if "hit" not in row]
    assert len(shown) == 3 and all("submission_date" in row for row in shown)
    assert _l2_entry(client).document()["format"] == CACHE_DOCUMENT.current
    assert json.loads(_l2_entry(client).payload)["format"] == CACHE_DOCUMENT.current
    assert 0 < client.ttl(L2_KEY) <= ttl_before
    assert all(payload["format"] == CACHE_DOCUMENT.current for payload in _l3_payloads(settings))
    assert _key_row(settings) == (2, "2026-11-29")

    _migrate(settings)
    assert capsys.readouterr().out.rstrip().endswith("done: 0 documents upgraded")
