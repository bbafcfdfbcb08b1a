"""Fixtures for the cache tests: a real Redis (the machine's when REDIS_URL is set, else an
embedded one), a fresh key namespace and data directory per test, and a helper that builds a
cache system the way a process does."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from omics.cache import CacheSystem
from omics.config import CacheSettings
from omics.redis_connection import start_embedded_redis

MakeSystem = Callable[..., CacheSystem]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("REDIS_URL") or start_embedded_redis(tmp_path_factory.mktemp("cache-redis"))


@pytest.fixture
def namespace(redis_url: str) -> Iterator[str]:
    """A key prefix of this test only, so tests never see (or flush) each other's keys."""
    name = f"test-cache:{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def make_system(redis_url: str, namespace: str, tmp_path: Path) -> Iterator[MakeSystem]:
    """Build cache systems sharing this test's Redis namespace and data directory."""
    built: list[CacheSystem] = []

    def make(url: str | None = None, **overrides: int) -> CacheSystem:
        settings = CacheSettings(**{**vars(CacheSettings()), **overrides})
        system = CacheSystem.build(url or redis_url, tmp_path, settings, namespace=namespace)
        built.append(system)
        system.start()
        system.invalidator.ready.wait(5)
        return system

    yield make
    for system in built:
        system.close()
