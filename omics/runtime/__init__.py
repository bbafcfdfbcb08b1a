"""Per-process resources: one engine and one Redis pool per process, and the search services on them."""

from omics.runtime.resources import engine_status, shared_engine, shared_redis
from omics.runtime.search_services import SearchServices

__all__ = ["SearchServices", "engine_status", "shared_engine", "shared_redis"]
