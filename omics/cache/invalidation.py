"""Invalidation across processes: shared tiers once, every process's L1 by pub/sub.

Three kinds reach here: manual (admin, by query, prefix or all), event (a corpus version
change removes entries of older versions; they were already unreachable because the version
is in the key, this frees the space) and time (the tiers' own TTLs). The shared tiers (L2,
L3) are cleared by the caller's process; a message on the invalidation channel makes every
process, including this one, clear its own L1. A listener that loses Redis clears its L1
entirely when it reconnects, because it may have missed messages meanwhile.
"""

from __future__ import annotations

import logging
import threading

import redis

from omics.cache.entry import Selector
from omics.cache.hierarchy import TieredCache
from omics.connections.subscription import ResilientSubscription

log = logging.getLogger(__name__)

LOCAL_TIERS = ("l1",)
SHARED_TIERS = ("l2", "l3")


class Invalidator:
    """Applies selectors to the shared tiers and broadcasts them to every process's L1."""

    def __init__(self, cache: TieredCache, client: redis.Redis, namespace: str) -> None:
        self._cache = cache
        self._client = client
        self.channel = f"{namespace}:invalidate"
        self._stopped = threading.Event()
        self._listener: threading.Thread | None = None
        self.ready = threading.Event()

    def invalidate(self, selector: Selector) -> dict[str, int]:
        """Remove the selected entries everywhere; returns what this process removed per tier."""
        removed = self._cache.remove(selector, SHARED_TIERS)
        removed.update(self._cache.remove(selector, LOCAL_TIERS))
        try:
            removed["processes_notified"] = self._client.publish(self.channel, selector.to_json())
        except (redis.RedisError, OSError):
            log.warning("cache invalidation not broadcast: Redis unavailable")
            removed["processes_notified"] = -1
        return removed

    def start(self) -> None:
        """Start the background subscriber that applies broadcast selectors to this L1."""
        if self._listener is None:
            self._listener = threading.Thread(
                target=self._listen_forever, name="cache-invalidation", daemon=True
            )
            self._listener.start()

    def stop(self) -> None:
        self._stopped.set()

    def _listen_forever(self) -> None:
        ResilientSubscription(
            client=self._client,
            channel=self.channel,
            on_message=self._apply,
            on_subscribed=self._subscribed,
            on_lost=self._lost,
            stopped=self._stopped,
            retry_delay=1.0,
        ).run()

    def _subscribed(self, resubscribed: bool) -> None:
        if resubscribed:  # messages may have been missed while Redis was away
            self._cache.remove(Selector("all"), LOCAL_TIERS)
        self.ready.set()

    def _lost(self, error: Exception) -> None:
        if self.ready.is_set():  # once per outage, not at every retry
            log.warning("cache invalidation listener lost Redis (%s); retrying", error)
        self.ready.clear()

    def _apply(self, data: str) -> None:
        try:
            selector = Selector.from_json(data)
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring malformed cache invalidation message")
            return
        self._cache.remove(selector, LOCAL_TIERS)
