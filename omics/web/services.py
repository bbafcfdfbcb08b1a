"""The service objects a request handler needs, bound once per app.

Handlers call :func:`services` instead of reaching into globals, so two apps in one process
(tests that restart a web process) each talk to their own Redis, store and Celery app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery
from flask import Flask, current_app

from omics.config import Settings
from omics.events import EventLog
from omics.runtime import shared_engine, shared_redis
from omics.search_store import SearchStore


@dataclass
class Services:
    """Settings, Redis, search store, event log and Celery of one app."""

    settings: Settings
    redis_url: str
    redis: redis.Redis
    store: SearchStore
    events: EventLog
    celery: Celery

    @property
    def engine(self) -> Any:
        return shared_engine(self.settings)


def bind_services(app: Flask, settings: Settings, celery: Celery) -> Services:
    redis_url: str = celery.omics_redis_url  # type: ignore[attr-defined]
    client = shared_redis(redis_url)
    ttl = settings.service.search_ttl
    bound = Services(settings=settings, redis_url=redis_url, redis=client,
                     store=SearchStore(client, ttl), events=EventLog(client, ttl), celery=celery)
    app.extensions["omics"] = bound
    return bound


def services() -> Services:
    return current_app.extensions["omics"]
