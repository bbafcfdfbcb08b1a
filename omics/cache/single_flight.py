"""Single flight: identical searches in flight at the same moment share one task.

The first submitter of a key wins ``SET key search_id NX EX ttl`` and starts the task; every
other submitter reads the winner's search id and follows the same search and event stream
(Redash's query-hash lock). The task releases the lock when it has stored its result in the
cache, and only if the lock still names its own search (compare-and-delete in one Lua call),
so a late finisher never frees someone else's flight. The TTL frees the lock if a worker dies.
"""

from __future__ import annotations

import redis

_RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class SingleFlight:
    """Maps a cache key to the one search computing it right now."""

    def __init__(self, client: redis.Redis, namespace: str, ttl: int) -> None:
        self._client = client
        self._prefix = f"{namespace}:flight:"
        self._ttl = ttl
        self._release = client.register_script(_RELEASE_IF_OWNER)

    def claim(self, key: str, search_id: str) -> tuple[str, bool]:
        """Return (search id to follow, whether the caller owns the flight and must start it)."""
        name = self._prefix + key
        while True:
            if self._client.set(name, search_id, nx=True, ex=self._ttl):
                return search_id, True
            current = self._client.get(name)
            if current is not None:
                return current.decode(), False
            # the flight ended between SET and GET: try to become the new owner

    def current(self, key: str) -> str | None:
        value = self._client.get(self._prefix + key)
        return value.decode() if value is not None else None

    def release(self, key: str, search_id: str) -> bool:
        """End the flight if ``search_id`` still owns it; True when it did."""
        return bool(self._release(keys=[self._prefix + key], args=[search_id]))
