"""The search cache hierarchy: L1 process memory, L2 Redis, L3 SQLite, with single flight,
analytics, cross-process invalidation and the popularity list that warming replays.

Entry point: :class:`CacheSystem`, one per process (:func:`shared_cache`). L2 is Flask-Caching's
Redis backend, used as a plain cachelib cache: nothing here needs a Flask app or Celery.
"""

from omics.cache.entry import CacheEntry, Selector
from omics.cache.keys import cache_key, canonical_json, request_from_canonical
from omics.cache.system import CacheSystem, corpus_version, shared_cache

__all__ = [
    "CacheEntry",
    "CacheSystem",
    "Selector",
    "cache_key",
    "canonical_json",
    "corpus_version",
    "request_from_canonical",
    "shared_cache",
]
