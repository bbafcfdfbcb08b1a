"""Everything one Flask app serves with, in one typed object behind one accessor.

``create_app`` builds a :class:`WebState` once and binds it with :func:`init_app`; views and
hooks reach it with :func:`current_state`. Two apps in one process (tests that restart a web
process) each keep their own Redis, store, cache and Celery app.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_limiter import Limiter

from omics.cache.system import CacheSystem
from omics.config import Settings
from omics.realtime.hub import Hub
from omics.runtime.search_services import SearchServices
from omics.security.state import SecurityState
from tasks.celery_app import OmicsCelery

_EXTENSION_KEY = "omics"


@dataclass(frozen=True)
class WebState:
    """The services of one app: searches, the cache, security, live events, rate limits, Celery."""

    settings: Settings
    services: SearchServices
    celery: OmicsCelery
    cache: CacheSystem
    security: SecurityState
    hub: Hub
    limiter: Limiter
    # "all" and "web" serve everything; "realtime" only the event sockets (and health)
    role: str = "all"


def init_app(app: Flask, state: WebState) -> None:
    app.extensions[_EXTENSION_KEY] = state


def state_of(app: Flask) -> WebState:
    state: WebState = app.extensions[_EXTENSION_KEY]
    return state


def current_state() -> WebState:
    """The state of the app handling the current request."""
    return state_of(current_app)
