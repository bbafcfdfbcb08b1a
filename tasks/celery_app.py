"""The Celery application: configured from ``celeryconfig`` and the process settings.

A Celery app is created per process by :func:`create_celery` (not at import time), because
its broker URL may be an embedded Redis that only exists once the process has started it.
Tasks reach the settings, the engine, the store and the event log through :func:`context`.
"""

from __future__ import annotations

from celery import Celery

from omics.config import Settings
from omics.redis_connection import resolve_redis_url
from omics.runtime import SearchServices

TASK_MODULES = ("tasks.search", "tasks.maintenance", "tasks.warming")


def create_celery(settings: Settings) -> Celery:
    """A Celery app on the configured (or embedded) Redis.

    It is not made the process's current app: a worker in this process (``start_worker``,
    ``worker_main``, the all-in-one run) makes its own app current, and creating another app
    later (a second role, a test) must not move the tasks of that worker onto it.
    """
    redis_url = resolve_redis_url(settings.redis_url, settings.data_dir)
    app = Celery("omics", set_as_current=False)
    app.config_from_object("celeryconfig")
    app.conf.update(broker_url=redis_url, result_backend=redis_url,
                    beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"))
    app.omics_settings = settings  # type: ignore[attr-defined]
    app.omics_redis_url = redis_url  # type: ignore[attr-defined]
    for module in TASK_MODULES:
        __import__(module)
    return app


def context(app: Celery) -> SearchServices:
    """The search services of ``app`` (built from its settings; clients are shared per process)."""
    return SearchServices.build(app.omics_settings, app.omics_redis_url)  # type: ignore[attr-defined]
