"""Process-wide resources shared by every role in one process: the engine and Redis clients.

``python app.py`` runs the web server and a Celery worker in one process, and the tests run
both beside each other; they must share one loaded index and one connection pool per Redis
rather than each loading their own. Resources are keyed by what identifies them (the corpus
and data directory, the Redis URL) and created once under a lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Self

import redis

from omics.config import Settings
from omics.events import EventLog
from omics.redis_connection import connect
from omics.search_store import SearchStore

_lock = threading.Lock()
_engines: dict[tuple[str, str], Any] = {}
_clients: dict[str, redis.Redis] = {}


def shared_engine(settings: Settings) -> Any:
    """The :class:`omics.engine.SearchEngine` for these settings, opened once per process."""
    from omics.engine import SearchEngine  # the engine is heavy; roles that never search skip it

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


@dataclass
class SearchServices:
    """What serving searches needs on one Redis: the store, the event log and the engine.

    Web handlers (``omics.web.services``) and tasks (``tasks.celery_app.context``) build it
    the same way, so both sides always read and write the same keys with the same lifetimes.
    """

    settings: Settings
    redis_url: str
    redis: redis.Redis
    store: SearchStore
    events: EventLog

    @property
    def engine(self) -> Any:
        return shared_engine(self.settings)

    @classmethod
    def build(cls, settings: Settings, redis_url: str, **extra: Any) -> Self:
        client = shared_redis(redis_url)
        ttl = settings.service.search_ttl
        return cls(settings=settings, redis_url=redis_url, redis=client, store=SearchStore(client, ttl),
                   events=EventLog(client, ttl), **extra)
