"""Fixtures for the cache tests: the session's real Redis (``redis_url`` of tests/conftest.py),
a fresh key namespace and data directory per test, and a helper that builds a cache system the
way a process does."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from omics.cache import CacheSystem
from omics.config import CacheSettings

MakeSystem = Callable[..., CacheSystem]


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
