"""Single flight: identical searches in flight at the same moment share one task.

The first submitter of a key wins ``SET key search_id NX EX ttl`` and starts the task; every
other submitter reads the winner's search id and follows the same search and event stream
(Redash's query-hash lock). The winner also records search id -> key, so the task can end the
flight knowing only its search id (the key depends on the corpus version at submission, which
the task cannot recompute). Release is compare-and-delete in one Lua call: a late finisher never
frees someone else's flight. The TTL frees the lock if a worker dies.
"""

from __future__ import annotations

import redis

from omics.connections.redis import as_text

_RELEASE_IF_OWNER = """
local key = redis.call('GET', KEYS[1])
redis.call('DEL', KEYS[1])
if key and redis.call('GET', ARGV[2] .. key) == ARGV[1] then
    return redis.call('DEL', ARGV[2] .. key)
end
return 0
"""


class SingleFlight:
    """Maps a cache key to the one search computing it right now."""

    def __init__(self, client: redis.Redis, namespace: str, ttl: int) -> None:
        self._client = client
        self._prefix = f"{namespace}:flight:"
        self._by_search = f"{namespace}:flight-of:"
        self._ttl = ttl
        self._release = client.register_script(_RELEASE_IF_OWNER)

    def claim(self, key: str, search_id: str) -> tuple[str, bool]:
        """Return (search id to follow, whether the caller owns the flight and must start it)."""
        name = self._prefix + key
        while True:
            if self._client.set(name, search_id, nx=True, ex=self._ttl):
                self._client.set(self._by_search + search_id, key, ex=self._ttl)
                return search_id, True
            current = self._client.get(name)
            if current is not None:
                return as_text(current), False
            # the flight ended between SET and GET: try to become the new owner

    def current(self, key: str) -> str | None:
        value = self._client.get(self._prefix + key)
        return as_text(value) if value is not None else None

    def release(self, search_id: str) -> bool:
        """End the flight that ``search_id`` started, if it still owns it; True when it did."""
        return bool(self._release(keys=[self._by_search + search_id], args=[search_id, self._prefix]))
