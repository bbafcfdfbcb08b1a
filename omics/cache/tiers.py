"""The three cache tiers, each answering get / put / remove for :class:`CacheEntry`.

- L1 :class:`MemoryTier`: this process only, bounded (LRU) with a short TTL, because other
  processes can clear it only by pub/sub message.
- L2 :class:`RedisTier`: shared by every process, through Flask-Caching's Redis backend (any
  cachelib-compatible Redis cache object), plus a lexicographic index so entries can be removed
  by query or query prefix without scanning the key space.
- L3 :class:`SqliteTier`: a SQLite file in the data directory; survives a Redis flush or
  restart and refills the tiers above.

A tier that cannot answer raises :class:`TierUnavailable`; the hierarchy treats that as a miss,
so an outage costs speed, never correctness.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import redis
from cachetools import TTLCache

# Flask-Caching's Redis backend: a cachelib cache, used here without any Flask app.
from flask_caching.backends.rediscache import RedisCache

from omics.cache.entry import CacheEntry, Selector
from omics.connections.redis import as_bytes
from omics.files import create_private_file


class TierUnavailable(Exception):
    """The tier's backing store failed; callers fall through to the next tier."""


class Tier(Protocol):
    name: str

    def get(self, key: str) -> CacheEntry | None: ...

    def put(self, entry: CacheEntry) -> int:
        """Store the entry; return how many other entries were evicted to make room."""
        ...

    def remove(self, selector: Selector) -> int:
        """Remove the selected entries; return how many were removed."""
        ...


class _EvictionCountingCache(TTLCache):  # type: ignore[misc]  # cachetools ships no type hints
    """A TTL + LRU cache that counts size evictions (expiry is not an eviction)."""

    def __init__(self, maxsize: int, ttl: float) -> None:
        super().__init__(maxsize=maxsize, ttl=ttl)
        self.evictions = 0

    def popitem(self) -> tuple[Any, Any]:
        item: tuple[Any, Any] = super().popitem()
        self.evictions += 1
        return item


class MemoryTier:
    """L1: bounded, short-lived, per process; thread-safe."""

    name = "l1"

    def __init__(self, max_entries: int, ttl: float) -> None:
        self._entries = _EvictionCountingCache(max_entries, ttl)
        self._lock = threading.Lock()

    def get(self, key: str) -> CacheEntry | None:
        with self._lock:
            entry: CacheEntry | None = self._entries.get(key)
            return entry

    def put(self, entry: CacheEntry) -> int:
        with self._lock:
            before = self._entries.evictions
            self._entries[entry.key] = entry
            return self._entries.evictions - before

    def remove(self, selector: Selector) -> int:
        with self._lock:
            doomed = [
                key
                for key, entry in self._entries.items()
                if selector.matches(entry.query, entry.corpus_version)
            ]
            for key in doomed:
                del self._entries[key]
            return len(doomed)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class RedisTier:
    """L2: entries through a cachelib-compatible Redis cache, selectors through a ZSET index.

    The index holds ``<normalised query> NUL <key>`` members, all with score 0, so
    ``ZRANGEBYLEX`` finds every key of one query or of a query prefix. After a failure the tier
    stays closed for ``retry_after`` seconds so requests do not each wait on a dead server.
    """

    name = "l2"

    def __init__(
        self, backend: Any, client: redis.Redis, namespace: str, ttl: int, retry_after: float = 2.0
    ) -> None:
        self._backend = backend
        self._client = client
        self._index = f"{namespace}:index"
        self._ttl = ttl
        self._retry_after = retry_after
        self._closed_until = 0.0

    @classmethod
    def over(cls, client: redis.Redis, namespace: str, ttl: int) -> RedisTier:
        """A tier on Flask-Caching's Redis backend over ``client`` (the one choice of L2 backend)."""
        backend = RedisCache(host=client, key_prefix=f"{namespace}:entry:", default_timeout=ttl)
        return cls(backend, client, namespace, ttl)

    def entries_after(self, position: str, count: int) -> list[tuple[str, CacheEntry | None]]:
        """Up to ``count`` ``(position, entry)`` pairs after ``position`` ("" first) in index
        order (None: expired meanwhile): a resumable walk for ``python app.py migrate``."""
        low = b"(" + position.encode() if position else b"-"
        members = [as_bytes(m) for m in self._client.zrangebylex(self._index, low, b"+", start=0, num=count)]
        return [(member.decode(), self.get(member.split(b"\0", 1)[1].decode())) for member in members]

    def rewrite(self, entry: CacheEntry) -> bool:
        """Replace a stored entry's payload, keeping its expiry; False when it expired meanwhile."""
        with self._guard():
            remaining = self._client.ttl(f"{self._backend.key_prefix}{entry.key}")
            if remaining <= 0:
                return False
            self._backend.set(entry.key, entry.to_json(), timeout=remaining)
        return True

    @contextmanager
    def _guard(self) -> Iterator[None]:
        if time.monotonic() < self._closed_until:
            raise TierUnavailable("redis tier is backing off after a failure")
        try:
            yield
        except (redis.RedisError, OSError) as error:
            self._closed_until = time.monotonic() + self._retry_after
            raise TierUnavailable(str(error)) from error

    def get(self, key: str) -> CacheEntry | None:
        with self._guard():
            raw = self._backend.get(key)
        return CacheEntry.from_json(raw) if raw else None

    def put(self, entry: CacheEntry) -> int:
        with self._guard():
            self._backend.set(entry.key, entry.to_json(), timeout=self._ttl)
            self._client.zadd(self._index, {_index_member(entry.query, entry.key): 0})
        return 0

    def remove(self, selector: Selector) -> int:
        with self._guard():
            members = [
                member
                for member in self._index_members(selector)
                if selector.matches(*_parse_index_member(member))
            ]
            for start in range(0, len(members), 500):
                chunk = members[start : start + 500]
                self._backend.delete_many(*(member.rsplit(b"\0", 1)[1].decode() for member in chunk))
                self._client.zrem(self._index, *chunk)
        return len(members)

    def _index_members(self, selector: Selector) -> list[bytes]:
        if selector.kind == "query":
            low = str(selector.value).encode() + b"\0"
            members = self._client.zrangebylex(self._index, b"[" + low, b"[" + low + b"\xff")
        elif selector.kind == "prefix":
            low = str(selector.value).encode()
            members = self._client.zrangebylex(self._index, b"[" + low, b"[" + low + b"\xff")
        else:
            members = self._client.zrangebylex(self._index, "-", "+")
        return [as_bytes(member) for member in members]


def _index_member(query: str, key: str) -> bytes:
    """``<query>\\0<key>``: sorted by query for lookups by query or prefix. The query is anyone's
    text and may hold NUL characters itself; the key never does, so it follows the last one."""
    return query.encode() + b"\0" + key.encode()


def _parse_index_member(member: bytes) -> tuple[str, int]:
    """(query, corpus version) of an index member; keys look like ``v<version>:<digest>``."""
    query, key = member.rsplit(b"\0", 1)
    return query.decode(), int(key.split(b":", 1)[0][1:])


_SCHEMA = """
CREATE TABLE IF NOT EXISTS cache_entries (
    key TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    corpus_version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    stored_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    last_used REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_entries_last_used ON cache_entries (last_used);
CREATE INDEX IF NOT EXISTS cache_entries_query ON cache_entries (query);
CREATE INDEX IF NOT EXISTS cache_entries_expires_at ON cache_entries (expires_at);
CREATE TABLE IF NOT EXISTS cache_size (id INTEGER PRIMARY KEY CHECK (id = 0), entries INTEGER NOT NULL);
INSERT OR IGNORE INTO cache_size VALUES (0, (SELECT COUNT(*) FROM cache_entries));
CREATE TRIGGER IF NOT EXISTS cache_entries_counted_in AFTER INSERT ON cache_entries
    BEGIN UPDATE cache_size SET entries = entries + 1 WHERE id = 0; END;
CREATE TRIGGER IF NOT EXISTS cache_entries_counted_out AFTER DELETE ON cache_entries
    BEGIN UPDATE cache_size SET entries = entries - 1 WHERE id = 0; END;
"""

# One write: an upsert (a replaced key is an UPDATE, so the insert trigger counts new keys
# only), then the row count from its one-row table. Nothing here reads the whole table.
_UPSERT = (
    "INSERT INTO cache_entries VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
    " query = excluded.query, corpus_version = excluded.corpus_version, payload = excluded.payload,"
    " stored_at = excluded.stored_at, expires_at = excluded.expires_at, last_used = excluded.last_used"
)
_SIZE = "SELECT entries FROM cache_size WHERE id = 0"
_EVICT_LEAST_USED = (
    "DELETE FROM cache_entries WHERE key IN (SELECT key FROM cache_entries ORDER BY last_used LIMIT ?)"
)
_DELETE_EXPIRED = "DELETE FROM cache_entries WHERE expires_at <= ?"
_RECOUNT = "UPDATE cache_size SET entries = (SELECT COUNT(*) FROM cache_entries) WHERE id = 0"


class SqliteTier:
    """L3: durable entries in a SQLite file (WAL, shared by the processes of one host).

    A write costs the same at any size: the row count is kept by triggers in a one-row table
    (so the size bound needs no ``COUNT(*)``), and expired rows are deleted by :meth:`sweep`
    (a periodic task, through the ``expires_at`` index), never by a write; reads skip them.
    """

    name = "l3"

    def __init__(self, path: Path, ttl: int, max_entries: int) -> None:
        self._path = path
        self._ttl = ttl
        self._max_entries = max_entries
        self._local = threading.local()
        create_private_file(path)  # 0600 before SQLite opens it (its -wal and -shm follow)
        with self._connection() as connection:
            connection.executescript(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, inside a transaction; SQLite errors become TierUnavailable."""
        connection = getattr(self._local, "connection", None)
        try:
            if connection is None:
                connection = sqlite3.connect(self._path, timeout=5.0)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                self._local.connection = connection
            with connection:
                yield connection
        except sqlite3.Error as error:
            raise TierUnavailable(str(error)) from error

    def get(self, key: str) -> CacheEntry | None:
        now = time.time()
        with self._connection() as connection:
            row = connection.execute(
                "SELECT key, query, corpus_version, payload, stored_at FROM cache_entries"
                " WHERE key = ? AND expires_at > ?",
                (key, now),
            ).fetchone()
            if row is not None:
                connection.execute("UPDATE cache_entries SET last_used = ? WHERE key = ?", (now, key))
        return CacheEntry(*row) if row else None

    def put(self, entry: CacheEntry) -> int:
        now = time.time()
        with self._connection() as connection:
            connection.execute(
                _UPSERT,
                (
                    entry.key,
                    entry.query,
                    entry.corpus_version,
                    entry.payload,
                    entry.stored_at,
                    now + self._ttl,
                    now,
                ),
            )
            return self._trim(connection)

    def sweep(self) -> int:
        """Delete expired rows (and any above the bound), re-true the row count; how many went."""
        with self._connection() as connection:
            expired = connection.execute(_DELETE_EXPIRED, (time.time(),)).rowcount
            connection.execute(_RECOUNT)
            return expired + self._trim(connection)

    def _trim(self, connection: sqlite3.Connection) -> int:
        """Evict the least recently used rows above the bound; how many."""
        stored: int = connection.execute(_SIZE).fetchone()[0]
        excess = stored - self._max_entries
        if excess <= 0:
            return 0
        connection.execute(_EVICT_LEAST_USED, (excess,))
        return excess

    def entries_after(self, position: str, count: int) -> list[tuple[str, CacheEntry | None]]:
        """Up to ``count`` ``(key, entry)`` pairs with keys after ``position`` ("" first), in key
        order: a resumable walk for ``python app.py migrate``."""
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT key, query, corpus_version, payload, stored_at FROM cache_entries"
                " WHERE key > ? ORDER BY key LIMIT ?",
                (position, count),
            ).fetchall()
        return [(row[0], CacheEntry(*row)) for row in rows]

    def rewrite(self, entry: CacheEntry) -> bool:
        """Replace a stored entry's payload, keeping its expiry and recency."""
        with self._connection() as connection:
            updated = connection.execute(
                "UPDATE cache_entries SET payload = ? WHERE key = ?", (entry.payload, entry.key)
            ).rowcount
        return bool(updated)

    def remove(self, selector: Selector) -> int:
        where, parameters = _sql_condition(selector)
        with self._connection() as connection:
            return connection.execute(f"DELETE FROM cache_entries WHERE {where}", parameters).rowcount


def _sql_condition(selector: Selector) -> tuple[str, tuple[Any, ...]]:
    if selector.kind == "query":
        return "query = ?", (selector.value,)
    if selector.kind == "prefix":
        prefix = str(selector.value)
        return "substr(query, 1, ?) = ?", (len(prefix), prefix)
    if selector.kind == "before_version":
        return "corpus_version < ?", (int(selector.value),)
    return "1 = 1", ()
