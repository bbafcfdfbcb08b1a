"""What serving searches needs on one Redis, built alike for web handlers and Celery tasks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

import redis

from omics.config import Settings
from omics.realtime.event_log import EventLog
from omics.realtime.lifecycle import SearchLifecycle
from omics.realtime.search_ids import SearchIds
from omics.realtime.search_state import SearchStore
from omics.runtime.resources import shared_engine, shared_redis

if TYPE_CHECKING:
    from omics.search.engine import SearchEngine


def search_ids(settings: Settings) -> SearchIds:
    """The deployment's search ids: every role signs and checks them with the one secret key."""
    return SearchIds.from_secret(settings.secret_key)


@dataclass(frozen=True)
class SearchServices:
    """The search store, event log, lifecycle and engine of one Redis and corpus.

    Web handlers and tasks both build it with :meth:`build`, so both sides always read and
    write the same keys with the same lifetimes.
    """

    settings: Settings
    redis_url: str
    redis: redis.Redis
    store: SearchStore
    events: EventLog
    lifecycle: SearchLifecycle

    @property
    def engine(self) -> SearchEngine:
        return shared_engine(self.settings)

    @classmethod
    def build(cls, settings: Settings, redis_url: str) -> Self:
        client = shared_redis(redis_url)
        ttl = settings.service.search_ttl
        store = SearchStore(
            client, ttl, compact=bool(settings.load.compact_results), ids=search_ids(settings)
        )
        events = EventLog(client, ttl)
        return cls(
            settings=settings,
            redis_url=redis_url,
            redis=client,
            store=store,
            events=events,
            lifecycle=SearchLifecycle(store, events),
        )
