"""A Redis pub/sub subscription that outlives Redis outages.

Two listeners need the same loop: the WebSocket relay (one subscription per web process) and
the cache invalidation listener (clears this process's L1). Both must notice a lost
connection, keep retrying until stopped, and know on reconnection that messages may have been
missed meanwhile, so each decides what "catching up" means for it in its callbacks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import redis


@dataclass
class ResilientSubscription:
    """Subscribe ``client`` to ``channel`` and deliver messages until ``stopped`` is set.

    ``on_subscribed(resubscribed)`` runs after each successful subscribe (``resubscribed`` is
    True after an outage: messages may have been lost); ``on_lost(error)`` runs when the
    connection breaks, before waiting ``retry_delay`` seconds to try again.
    """

    client: redis.Redis
    channel: str
    on_message: Callable[[str], None]
    on_subscribed: Callable[[bool], None]
    on_lost: Callable[[Exception], None]
    stopped: threading.Event
    retry_delay: float = 0.5

    def run(self) -> None:
        resubscribed = False
        while not self.stopped.is_set():
            try:
                self._listen(resubscribed)
            except (redis.RedisError, OSError) as error:
                if self.stopped.is_set():  # the process is shutting down: Redis may go first
                    return
                self.on_lost(error)
                resubscribed = True
                self.stopped.wait(self.retry_delay)

    def _listen(self, resubscribed: bool) -> None:
        pubsub: redis.client.PubSub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]  # redis-py leaves Redis.pubsub() unannotated
        try:
            pubsub.subscribe(self.channel)
            self.on_subscribed(resubscribed)
            while not self.stopped.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is not None and message["type"] == "message":
                    self.on_message(message["data"])
        finally:
            pubsub.close()
