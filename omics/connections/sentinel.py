"""Redis behind Sentinels: one URL form that every Redis user of a process understands.

``OMICS_REDIS_SENTINELS=host:port,...`` (with ``OMICS_REDIS_SENTINEL_MASTER``, default
``mymaster``) becomes ``redis+sentinel://[:password@]host:port,.../<master>/<db>`` in
``omics.config``; from it, :func:`sentinel_target` gives redis-py clients of the current master
(the cache's byte-mode client, the pools of events, state and registry), Celery's
``sentinel://`` broker and result URLs with ``master_name``, and flask-limiter's
``redis+sentinel://`` storage. After a failover each of them finds the promoted replica by
asking the Sentinels again; no process restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelManagedConnection

SENTINEL_SCHEME = "redis+sentinel"
# How long a Sentinel client keeps retrying a command while the Sentinels promote a replica
# (about down-after-milliseconds plus the election): commands wait instead of failing.
FAILOVER_RETRY_SECONDS = 20.0


class MasterConnection(SentinelManagedConnection):
    """A connection that asks the Sentinels where the master is each time it (re)connects.

    redis-py 8's ``send_command`` reconnects through ``connect_check_health``, which
    ``SentinelManagedConnection`` does not override, so after a failover a dropped connection
    kept dialling the dead primary's address until its retries ran out. Resolving the master
    here makes every reconnect go to whichever server the Sentinels name now.
    """

    def connect_check_health(self, check_health: bool = True, retry_socket_connect: bool = True) -> None:
        if self._sock is None and self.connection_pool.is_master:
            self.host, self.port = self.connection_pool.get_master_address()
        super().connect_check_health(check_health=check_health, retry_socket_connect=retry_socket_connect)


@dataclass(frozen=True)
class SentinelTarget:
    """Where a Sentinel-managed Redis is: the Sentinels, the master's name, database, password."""

    sentinels: tuple[tuple[str, int], ...]
    master: str
    db: int = 0
    password: str | None = None

    def master_client(self, **options: Any) -> redis.Redis:
        """A client of whichever server the Sentinels name master now, found again after a failover."""
        steps = int(FAILOVER_RETRY_SECONDS / 0.5)
        options.setdefault("retry", Retry(ExponentialBackoff(cap=0.5, base=0.05), steps))
        options.setdefault("retry_on_error", [redis.ConnectionError, redis.TimeoutError])
        sentinel = Sentinel(  # type: ignore[no-untyped-call]  # redis-py leaves Sentinel() unannotated
            list(self.sentinels), sentinel_kwargs={"socket_timeout": 1, "socket_connect_timeout": 1}
        )
        client: redis.Redis = sentinel.master_for(  # type: ignore[no-untyped-call]  # redis-py leaves master_for unannotated
            self.master, db=self.db, password=self.password, connection_class=MasterConnection, **options
        )
        return client

    def celery_urls(self) -> tuple[str, dict[str, Any]]:
        """Kombu's ``sentinel://`` URL (broker and results alike) and its transport options."""
        auth = f":{self.password}@" if self.password else ""
        url = ";".join(f"sentinel://{auth}{host}:{port}/{self.db}" for host, port in self.sentinels)
        return url, {"master_name": self.master, "sentinel_kwargs": {"socket_timeout": 1}}

    def limits_storage(self) -> tuple[str, dict[str, Any]]:
        """The limits library's ``redis+sentinel://`` storage URI and its options (master only)."""
        hosts = ",".join(f"{host}:{port}" for host, port in self.sentinels)
        auth = f":{self.password}@" if self.password else ""
        return f"{SENTINEL_SCHEME}://{auth}{hosts}/{self.master}", {"db": self.db, "use_replicas": False}


def sentinel_target(url: str) -> SentinelTarget | None:
    """The Sentinel setup a ``redis+sentinel://[:password@]host:port,.../<master>/<db>`` URL names.

    None for a plain ``redis://`` URL. The URL is made from ``OMICS_REDIS_SENTINELS`` by
    ``omics.config.redis_url_from_env``; every Redis user of the process goes through here.
    """
    if not url.startswith(f"{SENTINEL_SCHEME}://"):
        return None
    rest = url[len(SENTINEL_SCHEME) + 3 :]
    auth, _, rest = rest.rpartition("@")
    hosts, _, path = rest.partition("/")
    master, _, db = path.strip("/").partition("/")
    sentinels = tuple(
        (host, int(port)) for host, _, port in (item.rpartition(":") for item in hosts.split(","))
    )
    return SentinelTarget(sentinels, master or "mymaster", int(db or 0), auth.partition(":")[2] or None)
