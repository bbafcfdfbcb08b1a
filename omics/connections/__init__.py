"""Reaching Redis: at ``REDIS_URL``, or an embedded server when it is unset; and a pub/sub
subscription that outlives Redis outages."""

from omics.connections.embedded import start_embedded_redis, stop_embedded_redis
from omics.connections.redis import connect, resolve_redis_url
from omics.connections.subscription import ResilientSubscription

__all__ = [
    "ResilientSubscription",
    "connect",
    "resolve_redis_url",
    "start_embedded_redis",
    "stop_embedded_redis",
]
