"""The ingestion saga wired to this process's engine, Redis, cache, database and NCBI client.

Web handlers (to start and read sagas), tasks (to run their steps) and the command line build
it alike. One E-utilities client per process, so its circuit breaker sees every request the
process makes; the request rate is shared by all processes through Redis.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from omics.alerts.book import AlertBook
from omics.cache.system import shared_cache
from omics.config import Settings
from omics.ingest.client import EutilsClient
from omics.ingest.pacing import RequestPacer
from omics.ingest.saga import IngestionPorts, ingestion_saga
from omics.realtime.event_log import EventLog
from omics.runtime.resources import shared_engine, shared_redis
from omics.saga.runner import SagaRunner
from omics.saga.store import SagaStore
from omics.security.database import Database
from omics.services import watch_breaker

USER_CHANNEL_TTL = 7 * 86400  # a user's alerts stay replayable on the socket for a week

_lock = threading.Lock()
_databases: dict[str, Database] = {}
_clients: dict[str, EutilsClient] = {}


def shared_database(settings: Settings) -> Database:
    """One database (engine and pool) per process, with the saga and alert tables created."""
    key = str(settings.security.database_url or settings.data_dir)
    with _lock:
        database = _databases.get(key)
        if database is None:
            database = Database.from_settings(settings)
            SagaStore.create_schema(database.engine)
            AlertBook.create_schema(database.engine)
            _databases[key] = database
        return database


def _eutils(settings: Settings, redis_url: str) -> EutilsClient:
    key = f"{settings.ingest.base_url}|{redis_url}"
    with _lock:
        client = _clients.get(key)
        if client is None:
            ingest = settings.ingest
            pacer = RequestPacer(redis_url, ingest.requests_per_second, ingest.api_key or "anonymous")
            client = _clients[key] = EutilsClient(ingest, pacer)
            watch_breaker("ncbi", client.breaker)  # its state shows in this instance's health
        return client


@dataclass(frozen=True)
class Ingestion:
    """The runner of ingestion sagas, the alert book, and the user channel they speak on."""

    runner: SagaRunner
    alerts: AlertBook
    user_events: EventLog
    events: EventLog

    def deliver(self, owner: str, alert: dict[str, Any]) -> None:
        """Put one alert on its owner's live channel, once per (saved search, series).

        Keyed like the alerts table's unique rule, not by the alert's row id: SQLite hands a
        deleted row's id out again, and a new alert must never be taken for one already sent.
        """
        self.user_events.emit(owner, f"alert:{alert['saved_search_id']}:{alert['accession']}", alert)


def build_ingestion(
    settings: Settings, redis_url: str, after_publish: Callable[[int], None] | None = None
) -> Ingestion:
    """Wire the saga; ``after_publish(version)`` runs once caches were told (e.g. queue warming)."""
    database = shared_database(settings)
    client = shared_redis(redis_url)
    events = EventLog(client, settings.service.search_ttl, kind="ingestion")
    user_events = EventLog(client, USER_CHANNEL_TTL, kind="user")
    alerts = AlertBook(database.transaction)
    holder: list[Ingestion] = []

    def caches_changed(version: int) -> None:
        shared_cache(redis_url, settings).corpus_changed(version)
        if after_publish is not None:
            after_publish(version)

    def notify(saga_id: str, accessions: Sequence[str]) -> int:
        return alerts.notify(saga_id, accessions, shared_engine(settings), holder[0].deliver)

    ports = IngestionPorts(
        engine=lambda: shared_engine(settings),
        client=lambda: _eutils(settings, redis_url),
        caches_changed=caches_changed,
        notify=notify,
        forget_alerts=alerts.forget,
        batch_size=settings.ingest.batch_size,
    )
    runner = SagaRunner(
        ingestion_saga(ports),
        SagaStore(database.transaction),
        events.emit,
        lease_seconds=settings.ingest.saga_timeout,
        max_attempts=settings.ingest.max_step_attempts,
    )
    holder.append(Ingestion(runner, alerts, user_events, events))
    return holder[0]
