"""The cache as the search path uses it: one object per process, built from settings.

It turns requests into keys (normalised request + corpus version), counts every lookup for
the analytics and for warming's popularity list, stores completed searches in every tier,
lends out the single-flight lock, and routes invalidations. The web layer and the Celery
tasks use only this; neither needs to know how many tiers there are.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis

from omics.cache.entry import CacheEntry, Selector, document_text
from omics.cache.hierarchy import Lookup, TieredCache
from omics.cache.invalidation import Invalidator
from omics.cache.keys import cache_key, canonical_json, normalise_text
from omics.cache.single_flight import SingleFlight
from omics.cache.stats import CacheStats
from omics.cache.tiers import MemoryTier, RedisTier, SqliteTier, Tier
from omics.config import CacheSettings, Settings
from omics.connections.redis import connect
from omics.search.request import SearchRequest

if TYPE_CHECKING:
    from omics.search.engine import SearchEngine

DEFAULT_NAMESPACE = "omics:cache"
L3_FILE = "cache.sqlite3"  # the L3 tier's SQLite file in the data directory
DOCUMENT_SUFFIX = ":document"
DEFAULT_FLIGHT_TTL = 600  # seconds; above the search task's hard time limit

_shared: dict[tuple[str, str], CacheSystem] = {}
_shared_lock = threading.Lock()


def corpus_version(engine: SearchEngine) -> int:
    """The newest corpus version, also when another process added records since this one loaded.

    A key must never be older than the corpus (that would serve a stale result); the engine
    reloads a newer version lazily, so the version its store has on disk is consulted too.
    """
    return max(engine.version, engine.store.disk_version())


def shared_cache(redis_url: str, settings: Settings) -> CacheSystem:
    """The process's cache system for this Redis and data directory, built and started once.

    Web handlers and the in-process worker of ``python app.py`` share it, so a search the worker
    completes is in the same L1 the web layer reads, and one listener serves the process.
    """
    identity = (redis_url, str(settings.data_dir))
    with _shared_lock:
        system = _shared.get(identity)
        if system is None:
            system = CacheSystem.build(redis_url, settings.data_dir, settings.cache)
            system.start()
            _shared[identity] = system
        return system


class CacheSystem:
    """Tiers, stats, single flight and invalidation for one process."""

    def __init__(
        self,
        client: redis.Redis,
        namespace: str,
        cache: TieredCache,
        stats: CacheStats,
        flights: SingleFlight,
        invalidator: Invalidator,
    ) -> None:
        self._client = client
        self._warmed_key = f"{namespace}:warmed-version"
        self.cache = cache
        self.stats = stats
        self.flights = flights
        self.invalidator = invalidator

    @classmethod
    def build(
        cls,
        redis_url: str,
        data_dir: Path,
        settings: CacheSettings,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        flight_ttl: int = DEFAULT_FLIGHT_TTL,
    ) -> CacheSystem:
        """Wire the three tiers.

        The cache keeps its own byte-mode client: the Redis backend pickles values, which a
        client that decodes responses to ``str`` would corrupt.
        """
        client = connect(redis_url, decode_responses=False, socket_timeout=2)
        stats = CacheStats(client, namespace)
        l2 = RedisTier.over(client, namespace, settings.l2_ttl)
        tiers: list[Tier] = [
            MemoryTier(settings.l1_size, settings.l1_ttl),
            l2,
            SqliteTier(data_dir / L3_FILE, settings.l3_ttl, settings.l3_max_entries),
        ]
        cache = TieredCache(tiers, stats)
        return cls(
            client,
            namespace,
            cache,
            stats,
            SingleFlight(client, namespace, flight_ttl),
            Invalidator(cache, client, namespace),
        )

    def start(self) -> None:
        """Begin listening for other processes' invalidations (call once per process)."""
        self.invalidator.start()

    def close(self) -> None:
        self.invalidator.stop()
        self.stats.flush()
        self.stats.stop()

    def lookup(self, request: SearchRequest, corpus_version: int) -> Lookup:
        """Look a user's search up (counted for analytics and popularity)."""
        found = self.cache.get(cache_key(request, corpus_version))
        self.stats.request(canonical_json(request), found.entry is not None)
        return found

    def claim_flight(
        self, request: SearchRequest, corpus_version: int, owner: str | None, search_id: str
    ) -> tuple[str, bool]:
        """Join the search already computing this request for this owner, or start one.

        The owner is part of the flight key: a search is readable only by its owner, so only
        callers who could read the shared search may follow it.
        """
        return self.flights.claim(f"{cache_key(request, corpus_version)}|{owner or ''}", search_id)

    def remember_search(
        self,
        request: SearchRequest,
        corpus_version: int,
        search: dict[str, Any],
        document: dict[str, Any] | None = None,
    ) -> None:
        """Cache a completed search: ``{"search_id", "owner", "response"}`` in every tier.

        ``response`` is the rendered first page, sent as is. ``document``, the full result (every
        ranked hit, possibly megabytes), goes to L3 only, beside the entry: it is read only to
        rebuild a search that Redis lost, and would make every hit slow if it rode along.
        """
        entry = self.store(request, corpus_version, search)
        if document is not None:
            self._keep_document(entry, document)

    def remember_completed(
        self, request: SearchRequest, search_id: str, owner: str | None, document: dict[str, Any]
    ) -> None:
        """Store a just-completed search in the fast tiers (L1, L2), then let waiting duplicates go.

        Called before the search's completion is announced, so a client that asks again hits the
        cache; the durable L3 copy is :meth:`persist_completed`'s, after the announcement.
        """
        self.cache.put_into(("l1", "l2"), self._completed_entry(request, search_id, owner, document))
        self.flights.release(search_id)

    def persist_completed(
        self, request: SearchRequest, search_id: str, owner: str | None, document: dict[str, Any]
    ) -> None:
        """Write a completed search and its full result to L3: the durable copy, written after
        the completion was announced, so its cost is not the search's."""
        entry = self._completed_entry(request, search_id, owner, document)
        self.cache.put_into(("l3",), entry)
        self._keep_document(entry, document)

    def _completed_entry(
        self, request: SearchRequest, search_id: str, owner: str | None, document: dict[str, Any]
    ) -> CacheEntry:
        search = {"search_id": search_id, "owner": owner, "response": None}
        return self._entry(request, document["corpus_version"], search)

    def _keep_document(self, entry: CacheEntry, document: dict[str, Any]) -> None:
        self.cache.put_into(
            ("l3",),
            CacheEntry(
                entry.key + DOCUMENT_SUFFIX,
                entry.query,
                entry.corpus_version,
                document_text(document),
                entry.stored_at,
            ),
        )

    def sweep_l3(self) -> int:
        """Delete L3's expired rows (a periodic task's job: no cache write pays for it)."""
        tier = self.cache.tier("l3")
        return tier.sweep() if isinstance(tier, SqliteTier) else 0

    def full_document(self, key: str) -> dict[str, Any] | None:
        """The full result kept in L3 for ``key`` (None when L3 no longer has it)."""
        entry = self.cache.read_from("l3", key + DOCUMENT_SUFFIX)
        return entry.document() if entry is not None else None

    def store(self, request: SearchRequest, corpus_version: int, document: dict[str, Any]) -> CacheEntry:
        """Keep a completed search's document in every tier, under the key users will hit."""
        entry = self._entry(request, corpus_version, document)
        self.cache.put(entry)
        return entry

    @staticmethod
    def _entry(request: SearchRequest, corpus_version: int, document: dict[str, Any]) -> CacheEntry:
        return CacheEntry(
            cache_key(request, corpus_version),
            normalise_text(request.query),
            corpus_version,
            document_text(document),
            time.time(),
        )

    def invalidate(self, selector: Selector) -> dict[str, int]:
        return self.invalidator.invalidate(selector)

    def corpus_changed(self, corpus_version: int) -> dict[str, int]:
        """Drop what older corpus versions left behind, in every tier of every process."""
        return self.invalidate(Selector("before_version", corpus_version))

    def warmed_version(self) -> int | None:
        """The corpus version warming last ran for (None before the first run)."""
        value = self._client.get(self._warmed_key)
        return int(value) if value is not None else None

    def set_warmed_version(self, corpus_version: int) -> None:
        self._client.set(self._warmed_key, corpus_version)
