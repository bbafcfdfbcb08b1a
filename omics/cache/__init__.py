"""The search cache hierarchy: L1 process memory, L2 Redis, L3 SQLite, with single flight,
analytics, cross-process invalidation and the popularity list that warming replays.

Entry point: :class:`omics.cache.system.CacheSystem`. This package imports neither Flask nor
Celery; the web layer hands it a Flask-Caching Redis backend and the tasks call it.
"""

from omics.cache.entry import CacheEntry, Selector
from omics.cache.keys import cache_key, canonical_json, request_from_canonical
from omics.cache.system import CacheSystem

__all__ = ["CacheEntry", "CacheSystem", "Selector", "cache_key", "canonical_json", "request_from_canonical"]
