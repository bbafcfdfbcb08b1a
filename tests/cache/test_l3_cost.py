"""The L3 tier's cost stays flat as it grows (issue 10, item 17).

Before, every cache write ran ``DELETE ... WHERE expires_at <= ?`` and ``SELECT COUNT(*)``,
two scans of the whole table (79 ms at 5,000 entries, one writer at a time), and the write sat
between a search's result and its completion event. Now no statement of a write or a lookup
scans the table (checked on SQLite's own query plans), expiry is a periodic task using the
``expires_at`` index, and a search completes without waiting for L3.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from omics.cache.entry import CacheEntry
from omics.cache.system import L3_FILE
from omics.cache.tiers import SqliteTier
from omics.config import Settings
from tests.service_clients import connect, read_events, submit


def _entry(number: int) -> CacheEntry:
    return CacheEntry(f"v1:{number:08d}", f"query {number}", 1, '{"response": null}', time.time())


def _plans(tier: SqliteTier, action: Any) -> dict[str, list[str]]:
    """Each statement ``action`` ran on ``tier``, with SQLite's query plan of it."""
    statements: list[str] = []
    with tier._connection() as connection:  # this thread's connection, the one ``action`` uses
        connection.set_trace_callback(statements.append)
    action()
    with tier._connection() as connection:
        connection.set_trace_callback(None)
        return {
            sql: [row[-1] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}")]
            for sql in statements
            if sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE"))
        }


def test_no_statement_of_a_write_or_a_lookup_scans_the_table(tmp_path: Path) -> None:
    tier = SqliteTier(tmp_path / "cache.sqlite3", ttl=3600, max_entries=100_000)
    for number in range(200):
        tier.put(_entry(number))
    plans = {
        **_plans(tier, lambda: tier.put(_entry(10_000))),
        **_plans(tier, lambda: tier.get("v1:00000007")),
    }
    assert plans, "the write and the lookup ran statements"
    scans = {sql: plan for sql, plan in plans.items() if any(step.startswith("SCAN") for step in plan)}
    assert scans == {}


def test_the_sweep_uses_the_expiry_index_and_writes_leave_expired_rows_to_it(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    SqliteTier(path, ttl=-1, max_entries=1000).put(_entry(1))  # written already expired
    tier = SqliteTier(path, ttl=3600, max_entries=1000)
    tier.put(_entry(2))
    assert tier.get("v1:00000001") is None  # never served
    plans = _plans(tier, tier.sweep)
    deletes = [plan for sql, plan in plans.items() if sql.startswith("DELETE") and "expires_at" in sql]
    assert deletes and all("cache_entries_expires_at" in " ".join(plan) for plan in deletes)
    with sqlite3.connect(path) as connection:
        assert [row[0] for row in connection.execute("SELECT key FROM cache_entries")] == ["v1:00000002"]


def test_rewriting_one_key_never_evicts_others(tmp_path: Path) -> None:
    """The row count kept beside the table counts keys, not writes."""
    tier = SqliteTier(tmp_path / "cache.sqlite3", ttl=3600, max_entries=3)
    for number in range(3):
        tier.put(_entry(number))
    assert sum(tier.put(_entry(0)) for _ in range(10)) == 0
    assert all(tier.get(f"v1:{number:08d}") is not None for number in range(3))
    assert tier.put(_entry(3)) == 1  # one over the bound: the least recently used goes
    assert tier.sweep() == 0


def test_the_beat_task_sweeps_expired_rows(settings: Settings, celery_app: Any, celery_worker: Any) -> None:
    path = settings.data_dir / L3_FILE
    doomed = f"v1:expired-{uuid.uuid4().hex}"
    SqliteTier(path, ttl=-1, max_entries=100_000).put(CacheEntry(doomed, "expired", 1, "{}", time.time()))
    assert celery_app.send_task("omics.maintenance.sweep_l3_cache").get(timeout=30) >= 1
    with sqlite3.connect(path) as connection:
        assert (
            connection.execute("SELECT COUNT(*) FROM cache_entries WHERE key = ?", (doomed,)).fetchone()[0]
            == 0
        )


def test_a_search_completes_without_waiting_for_l3(settings: Settings, live_server: Any) -> None:
    """A writer holding L3 (another process's long transaction) delayed every completion."""
    unique = {"max_samples": 3 * 10**9 + uuid.uuid4().int % 10**9}
    query = "pulmonary hypertension"
    copies = "SELECT COUNT(*) FROM cache_entries WHERE query = ?"
    with sqlite3.connect(settings.data_dir / L3_FILE) as connection:
        before = connection.execute(copies, (query,)).fetchone()[0]
    blocker = sqlite3.connect(settings.data_dir / L3_FILE, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        created = submit(live_server.url, {"query": query, "filters": unique})
        events, close_code = read_events(connect(live_server.ws_url, created["links"]["events"]))
        waited = time.monotonic() - started
        assert events[-1]["type"] == "completed" and close_code == 1000
        assert waited < 3, f"the search waited {waited:.1f}s for the L3 lock"
        time.sleep(4.5 - waited)  # below SQLite's 5 s busy timeout: the L3 write then goes through
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    deadline = time.monotonic() + 10
    with sqlite3.connect(settings.data_dir / L3_FILE) as connection:
        while connection.execute(copies, (query,)).fetchone()[0] == before:
            assert time.monotonic() < deadline, "the L3 copy was never written"
            time.sleep(0.1)
