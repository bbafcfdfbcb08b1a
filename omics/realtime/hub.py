"""One Redis pub/sub subscription per web process, fanned out to per-socket queues.

A socket never opens its own Redis connection: it registers a queue with the process's
:class:`Hub` for the search it watches. The hub's single thread reads the events channel and
puts each event on the queues of that search. When the subscription breaks, every socket is
told :data:`REDIS_LOST` (it closes with 1012 so the client reconnects elsewhere) and the hub
reports unhealthy until it has subscribed again; after a resubscription sockets get
:data:`RESYNC` and re-read the stream, since pub/sub may have dropped events meanwhile.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections import defaultdict
from typing import Any

from omics.connections.redis import connect
from omics.connections.subscription import ResilientSubscription
from omics.realtime.event_log import parse_published
from omics.realtime.keys import EVENTS_CHANNEL
from omics.services.envelope import UnreadableMessage

log = logging.getLogger(__name__)

REDIS_LOST = "redis-lost"
RESYNC = "resync"
RECONNECT_DELAY = 0.5

_relay_numbers = itertools.count(1)


class Hub:
    """The per-process subscription and its registry of watching sockets."""

    def __init__(self, redis_url: str) -> None:
        self._redis_url = redis_url
        # Named apart from every other hub's, so its log lines can be told apart (several apps
        # in one process, as in the tests, each have a relay).
        self.relay_name = f"omics-relay-{next(_relay_numbers)}"
        self._watchers: dict[str, set[queue.SimpleQueue[Any]]] = defaultdict(set)
        self._lock = threading.Lock()
        self._healthy = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.relay_name, daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """End the subscription (within a second): the process is shutting down."""
        self._stopped.set()

    def healthy(self, wait: float = 0.0) -> bool:
        """Whether the subscription is live (starting it, and waiting up to ``wait`` seconds)."""
        self.start()
        return self._healthy.wait(wait) if wait else self._healthy.is_set()

    def watch(self, search_id: str) -> queue.SimpleQueue[Any]:
        """A queue that receives ``(seq, json, terminal)`` for every event of ``search_id`` from now on."""
        self.start()
        inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        with self._lock:
            self._watchers[search_id].add(inbox)
        return inbox

    @property
    def sockets(self) -> int:
        """How many sockets this process is forwarding events to right now."""
        with self._lock:
            return sum(len(inboxes) for inboxes in self._watchers.values())

    def unwatch(self, search_id: str, inbox: queue.SimpleQueue[Any]) -> None:
        with self._lock:
            inboxes = self._watchers.get(search_id)
            if inboxes is not None:
                inboxes.discard(inbox)
                if not inboxes:
                    del self._watchers[search_id]

    def _broadcast(self, signal: str) -> None:
        with self._lock:
            inboxes = [inbox for group in self._watchers.values() for inbox in group]
        for inbox in inboxes:
            inbox.put(signal)

    def _dispatch(self, message: str) -> None:
        """Forward one published event to the sockets of its search; drop (and log) one it cannot read."""
        try:
            search_id, seq, text, terminal = parse_published(message)
        except UnreadableMessage as refused:
            log.error("event relay dropped a message it cannot read (%s): %.200s", refused, message)
            return
        with self._lock:
            inboxes = list(self._watchers.get(search_id, ()))
        for inbox in inboxes:
            inbox.put((seq, text, terminal))

    def _run(self) -> None:
        ResilientSubscription(
            client=connect(self._redis_url, socket_timeout=None),
            channel=EVENTS_CHANNEL,
            on_message=self._dispatch,
            on_subscribed=self._subscribed,
            on_lost=self._lost,
            stopped=self._stopped,
            retry_delay=RECONNECT_DELAY,
        ).run()

    def _subscribed(self, resubscribed: bool) -> None:
        self._healthy.set()
        if resubscribed:
            self._broadcast(RESYNC)

    def _lost(self, error: Exception) -> None:
        if self._healthy.is_set():
            log.warning("event relay lost Redis: %s", error)
        self._healthy.clear()
        self._broadcast(REDIS_LOST)
