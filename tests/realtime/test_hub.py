"""The per-process pub/sub hub (omics.realtime.hub) over real Redis.

Events are emitted as the worker emits them (:class:`EventLog`, which publishes on the events
channel); a watcher's inbox is what one WebSocket of a web process reads.
"""

from __future__ import annotations

import json
import queue
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from omics.connections import connect, start_embedded_redis, stop_embedded_redis
from omics.realtime.event_log import EventLog
from omics.realtime.hub import REDIS_LOST, RESYNC, Hub
from omics.realtime.keys import EVENTS_CHANNEL

WAIT = 10.0


def progress(stage: str) -> dict[str, Any]:
    return {"type": "progress", "stage": stage, "progress": 10}


def completed() -> dict[str, Any]:
    return {"type": "completed", "stage": "completed", "progress": 100}


def take(inbox: queue.SimpleQueue[Any], count: int) -> list[Any]:
    return [inbox.get(timeout=WAIT) for _ in range(count)]


def nothing_more(*inboxes: queue.SimpleQueue[Any]) -> None:
    """Every inbox is empty (the hub puts one message on all its inboxes before reading the next)."""
    for inbox in inboxes:
        assert inbox.empty(), inbox.get_nowait()


def until(inbox: queue.SimpleQueue[Any], wanted: str) -> list[Any]:
    """Items read from ``inbox`` up to and including ``wanted``."""
    items: list[Any] = []
    deadline = time.monotonic() + WAIT
    while not items or items[-1] != wanted:
        items.append(inbox.get(timeout=max(0.1, deadline - time.monotonic())))
    return items


def live(hub: Hub, log: EventLog) -> Hub:
    """Wait until the hub's subscription delivers (a probe search's event comes through)."""
    assert hub.healthy(wait=WAIT)
    probe = f"probe-{uuid.uuid4().hex}"
    inbox = hub.watch(probe)
    log.emit(probe, "probe", progress("probe"))
    assert inbox.get(timeout=WAIT)[0] == 1
    hub.unwatch(probe, inbox)
    return hub


@pytest.fixture
def make_hub() -> Iterator[Callable[[str], Hub]]:
    """Hubs that are stopped after the test (a web process never stops its own: it just exits)."""
    hubs: list[Hub] = []

    def make(url: str) -> Hub:
        hub = Hub(url)
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub._stopped.set()  # no public stop: end the relay thread so it does not outlive the test


@pytest.fixture
def log(redis_client: Any) -> EventLog:
    return EventLog(redis_client, 120)


def test_a_watcher_receives_the_events_of_its_search_only_in_order(
    make_hub: Callable[[str], Hub], redis_url: str, log: EventLog
) -> None:
    hub = live(make_hub(redis_url), log)
    mine, other = uuid.uuid4().hex, uuid.uuid4().hex
    inbox, elsewhere = hub.watch(mine), hub.watch(other)
    log.emit(mine, "parse", progress("parse"))
    log.emit(other, "parse", progress("parse"))
    log.emit(mine, "rank", progress("rank"))
    log.emit(mine, "terminal", completed())
    received = take(inbox, 3)
    assert [(seq, terminal) for seq, _, terminal in received] == [(1, False), (2, False), (3, True)]
    assert [json.loads(text)["search"] for _, text, _ in received] == [mine] * 3
    assert [json.loads(text)["stage"] for _, text, _ in received] == ["parse", "rank", "completed"]
    [(seq, text, _)] = take(elsewhere, 1)
    assert seq == 1 and json.loads(text)["search"] == other
    nothing_more(inbox, elsewhere)


def test_every_watcher_of_a_search_gets_every_event(
    make_hub: Callable[[str], Hub], redis_url: str, log: EventLog
) -> None:
    hub = live(make_hub(redis_url), log)
    search = uuid.uuid4().hex
    inboxes = [hub.watch(search) for _ in range(3)]
    for stage in ("parse", "retrieve", "rank"):
        log.emit(search, stage, progress(stage))
    sequences = [[seq for seq, _, _ in take(inbox, 3)] for inbox in inboxes]
    assert sequences == [[1, 2, 3]] * 3


def test_unwatch_stops_delivery_to_that_inbox_only(
    make_hub: Callable[[str], Hub], redis_url: str, log: EventLog
) -> None:
    hub = live(make_hub(redis_url), log)
    search = uuid.uuid4().hex
    leaving, staying = hub.watch(search), hub.watch(search)
    log.emit(search, "parse", progress("parse"))
    assert take(leaving, 1)[0][0] == take(staying, 1)[0][0] == 1
    hub.unwatch(search, leaving)
    hub.unwatch(search, leaving)  # twice is harmless (a socket's cleanup may run after an error)
    log.emit(search, "rank", progress("rank"))
    assert take(staying, 1)[0][0] == 2  # delivered to the watcher that stayed ...
    nothing_more(leaving)  # ... and, in the same dispatch, not to the one that left
    hub.unwatch(search, staying)
    log.emit(search, "terminal", completed())
    log.emit(search, "late", progress("late"))
    live(hub, log)  # the probe comes after them: both were dispatched by now, to no one
    nothing_more(staying)


def test_losing_redis_tells_every_watcher_and_resubscribing_asks_them_to_resync(
    make_hub: Callable[[str], Hub], tmp_path: Path
) -> None:
    url = start_embedded_redis(tmp_path)  # a private server: this test shuts it down
    try:
        client = connect(url)
        hub = live(make_hub(url), EventLog(client, 60))
        first, second = hub.watch("search-a"), hub.watch("search-b")
        assert first.empty() and second.empty()  # the first subscription is no resubscription

        stop_embedded_redis(tmp_path)
        assert first.get(timeout=WAIT) == REDIS_LOST and second.get(timeout=WAIT) == REDIS_LOST
        assert not hub.healthy()

        # The same server comes back on the same address (as a restarted Redis would).
        assert start_embedded_redis(tmp_path) == url
        for inbox in (first, second):
            signals = until(inbox, RESYNC)
            # perhaps told it was lost again while retrying (a restart can be quicker than a retry) ...
            assert set(signals[:-1]) <= {REDIS_LOST}
        assert hub.healthy(wait=WAIT)  # ... then subscribed again

        EventLog(connect(url), 60).emit("search-a", "parse", progress("parse"))
        seq, text, terminal = first.get(timeout=WAIT)
        assert (seq, json.loads(text)["search"], terminal) == (1, "search-a", False)
        assert second.empty()
    finally:
        stop_embedded_redis(tmp_path)


def test_an_event_the_relay_cannot_read_is_dropped_with_one_log_line_and_the_relay_goes_on(
    make_hub: Callable[[str], Hub],
    redis_url: str,
    redis_client: Any,
    log: EventLog,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = live(make_hub(redis_url), log)
    search = uuid.uuid4().hex
    inbox = hub.watch(search)
    too_new = {"seq": 1, "search": search, "type": "progress", "omics_schema": 99}
    with caplog.at_level("ERROR", logger="omics.realtime.hub"):
        redis_client.publish(EVENTS_CHANNEL, "{not json")
        redis_client.publish(EVENTS_CHANNEL, json.dumps(too_new))
        log.emit(search, "parse", progress("parse"))
        [(seq, text, terminal)] = take(inbox, 1)
    assert (seq, json.loads(text)["stage"], terminal) == (1, "parse", False)
    refusals = [
        record.getMessage()
        for record in caplog.records
        if record.name == "omics.realtime.hub" and record.threadName == hub.relay_name
    ]
    assert len(refusals) == 2
    assert "(not JSON)" in refusals[0]
    assert "(schema version 99 is not one of [0, 1])" in refusals[1]
    assert hub.healthy()
    nothing_more(inbox)
