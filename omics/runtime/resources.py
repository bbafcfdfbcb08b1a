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
_engine_lock = threading.Lock()  # apart from _lock: Redis clients never wait for an index build
_engines: dict[tuple[str, str], SearchEngine] = {}
_opening: set[tuple[str, str]] = set()  # engines being built or loaded by this process
_clients: dict[str, redis.Redis] = {}


def _engine_key(settings: Settings) -> tuple[str, str]:
    return (str(settings.corpus_path), str(settings.data_dir))


def shared_engine(settings: Settings) -> SearchEngine:
    """The :class:`SearchEngine` for these settings, opened once per process.

    Missing artefacts (index, lexicon) are built first by a child process under the data
    directory's build lock, so this process, possibly a gevent web worker, only waits.
    """
    from omics.search import artefacts  # heavy (numpy, the index): roles that never search skip it
    from omics.search.engine import SearchEngine

    key = _engine_key(settings)
    with _engine_lock:
        engine = _engines.get(key)
        if engine is None:
            _opening.add(key)
            try:
                artefacts.build_in_child(settings.corpus_path, settings.data_dir, settings.index_backend)
                engine = SearchEngine.open(settings)
            finally:
                _opening.discard(key)
            _engines[key] = engine
        return engine


def engine_status(settings: Settings) -> str | None:
    """None when this process has the engine loaded, else why not: "building" or "index not loaded".


    Never waits and never loads anything, so a readiness probe can ask at any time.
    """
    key = _engine_key(settings)
    if key in _engines:
        return None
    from omics.search import artefacts

    return "building" if key in _opening or artefacts.building(settings.data_dir) else "index not loaded"


def shared_redis(url: str) -> redis.Redis:
    """One pooled, thread-safe client per Redis URL for this process."""
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = connect(url)
            _clients[url] = client
        return client
