"""The Celery application: configured from ``celeryconfig`` and the process settings.

A Celery app is created per process by :func:`create_celery` (not at import time), because
its broker URL may be an embedded Redis that only exists once the process has started it.
Tasks reach the settings and the search services through :func:`omics_app`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from celery import Celery, Task

import celeryconfig
from omics.cache.system import CacheSystem, shared_cache
from omics.config import Settings
from omics.connections.redis import resolve_redis_url
from omics.connections.sentinel import sentinel_target
from omics.runtime.search_services import SearchServices
from tasks import broker
from tasks.messages import instrument

TASK_MODULES = ("tasks.searching", "tasks.maintenance", "tasks.warming", "tasks.ingesting")
# Every task checks the envelope of its message before it runs (see ``tasks.messages``).
TASK_BASE = "tasks.messages:EnvelopedTask"


class OmicsCelery(Celery):  # type: ignore[misc]  # celery ships no type hints
    """A Celery app that knows the settings and the Redis of the process that created it."""

    def __init__(self, settings: Settings, redis_url: str) -> None:
        super().__init__("omics", set_as_current=False, task_cls=TASK_BASE)
        self.omics_settings = settings
        self.redis_url = redis_url

    @cached_property
    def services(self) -> SearchServices:
        return SearchServices.build(self.omics_settings, self.redis_url)

    @cached_property
    def cache(self) -> CacheSystem:
        return shared_cache(self.redis_url, self.omics_settings)


def create_celery(settings: Settings) -> OmicsCelery:
    """A Celery app on the configured (or embedded) Redis.

    It is not made the process's current app: a worker in this process (``start_worker``,
    ``worker_main``, the all-in-one run) makes its own app current, and creating another app
    later (a second role, a test) must not move the tasks of that worker onto it.
    """
    instrument("all")  # a role that configured tracing first keeps its own service name
    redis_url = resolve_redis_url(settings.redis_url, settings.data_dir)
    app = OmicsCelery(settings, redis_url)
    app.config_from_object(celeryconfig)
    app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        beat_schedule={
            **celeryconfig.periodic_tasks(
                settings.cache.warm_interval, l3_sweep_interval=settings.cache.l3_sweep_interval
            ),
            **celeryconfig.ingest_tasks(settings.ingest.schedule, settings.ingest.saga_timeout),
        },
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        **celeryconfig.time_limits(settings.service.search_time_limit, settings.service.worker_lost_margin),
    )
    target = sentinel_target(redis_url)
    if target is not None:
        url, options = target.celery_urls()
        app.conf.update(
            broker_url=url,
            broker_transport=broker.TRANSPORT,
            result_backend=url,
            broker_transport_options={**app.conf.broker_transport_options, **options},
            result_backend_transport_options={**app.conf.result_backend_transport_options, **options},
            # A command sent during a failover waits for the promoted replica instead of failing.
            task_publish_retry_policy={
                "max_retries": 40,
                "interval_start": 0.1,
                "interval_step": 0.25,
                "interval_max": 1.0,
            },
        )
    for module in TASK_MODULES:
        __import__(module)
    return app


def omics_app(task: Task[Any, Any]) -> OmicsCelery:
    """The :class:`OmicsCelery` a bound task runs in."""
    app = task.app
    if not isinstance(app, OmicsCelery):
        raise TypeError(f"task {task.name} runs in a Celery app not made by create_celery")
    return app
