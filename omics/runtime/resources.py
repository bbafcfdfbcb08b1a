"""Process-wide resources shared by every role in one process: the engine and Redis clients.

``python app.py`` runs the web server and a Celery worker in one process, and the tests run
both beside each other; they must share one loaded index and one connection pool per Redis
rather than each loading their own. Resources are keyed by what identifies them (the corpus
and data directory, the Redis URL) and created once under a lock.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import redis

from omics.config import Settings
from omics.connections.redis import connect

if TYPE_CHECKING:
    from omics.search.engine import SearchEngine

_lock = threading.Lock()
_engines: dict[tuple[str, str], SearchEngine] = {}
_clients: dict[str, redis.Redis] = {}


def shared_engine(settings: Settings) -> SearchEngine:
    """The :class:`SearchEngine` for these settings, opened once per process."""
    from omics.search.engine import SearchEngine  # heavy (numpy, the index): roles that never search skip it

    key = (str(settings.corpus_path), str(settings.data_dir))
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = SearchEngine.open(settings)
            _engines[key] = engine
        return engine


def shared_redis(url: str) -> redis.Redis:
    """One pooled, thread-safe client per Redis URL for this process."""
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = connect(url)
            _clients[url] = client
        return client
