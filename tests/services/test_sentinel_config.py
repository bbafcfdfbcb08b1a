"""One Sentinel configuration, understood alike by every Redis user (redis-py, Celery, limits)."""

from __future__ import annotations

import pytest

from omics.config import redis_url_from_env
from omics.connections.sentinel import SentinelTarget, sentinel_target


def test_the_sentinels_from_the_environment_become_one_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMICS_REDIS_SENTINELS", "10.0.0.1:26379, 10.0.0.2:26380")
    monkeypatch.delenv("OMICS_REDIS_SENTINEL_MASTER", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://:s3cret@ignored:6379/9")
    url = redis_url_from_env()
    assert url == "redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/mymaster/9"
    assert sentinel_target(url or "") == SentinelTarget(
        (("10.0.0.1", 26379), ("10.0.0.2", 26380)), "mymaster", 9, "s3cret"
    )


def test_without_sentinels_redis_url_is_used_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMICS_REDIS_SENTINELS", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/9")
    assert redis_url_from_env() == "redis://127.0.0.1:6379/9"
    assert sentinel_target("redis://127.0.0.1:6379/9") is None


def test_celery_and_the_rate_limiter_get_their_own_forms_of_it() -> None:
    target = SentinelTarget((("h1", 1), ("h2", 2)), "cache-master", 3, None)
    broker, options = target.celery_urls()
    assert broker == "sentinel://h1:1/3;sentinel://h2:2/3"
    assert options["master_name"] == "cache-master"
    assert target.limits_storage() == (
        "redis+sentinel://h1:1,h2:2/cache-master",
        {"db": 3, "use_replicas": False},
    )
