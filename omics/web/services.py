"""The service objects a request handler needs, bound once per app.

Handlers call :func:`services` instead of reaching into globals, so two apps in one process
(tests that restart a web process) each talk to their own Redis, store and Celery app.
"""

from __future__ import annotations

from dataclasses import dataclass

from celery import Celery
from flask import Flask, current_app

from omics.config import Settings
from omics.runtime import SearchServices


@dataclass
class Services(SearchServices):
    """The search services of one app, and the Celery app its searches are queued on."""

    celery: Celery


def bind_services(app: Flask, settings: Settings, celery: Celery) -> Services:
    bound = Services.build(settings, celery.omics_redis_url, celery=celery)  # type: ignore[attr-defined]
    app.extensions["omics"] = bound
    return bound


def services() -> Services:
    return current_app.extensions["omics"]
