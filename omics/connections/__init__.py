"""Reaching the shared services: Redis at ``REDIS_URL``, or an embedded server when it is unset."""

from omics.connections.redis import connect, resolve_redis_url, start_embedded_redis, stop_embedded_redis

__all__ = ["connect", "resolve_redis_url", "start_embedded_redis", "stop_embedded_redis"]
