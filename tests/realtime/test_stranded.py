"""The reaper's decisions (issue 10, item 16) on real Redis and real broker messages: a search
whose message is lost is re-sent once and failed the second time with a clear reason; one the
broker still holds waits for the broker; two reapers never send one search twice."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from omics.config import Settings
from omics.realtime import EventLog, SearchLifecycle, SearchStore
from omics.realtime.stranded import Deadlines, Reaper, Verdict
from omics.search.request import SearchRequest
from tasks.held_messages import held_searches
from tests.service_clients import assert_contiguous

DEADLINES = Deadlines.of(time_limit=90, worker_lost_margin=20, restore_interval=5, queued=300)


@pytest.fixture
def broker(settings: Settings, redis_client: Any) -> Iterator[tuple[Any, str]]:
    """A Celery app and a queue of this test only: no worker consumes it, so what is sent stays."""
    from tasks.celery_app import create_celery

    queue = f"stranded-test-{uuid.uuid4().hex[:8]}"
    yield create_celery(settings), queue
    lists = [queue, *(f"{queue}\x06\x16{step}" for step in (3, 6, 9))]
    redis_client.delete(*lists, f"_kombu.binding_permanent.{queue}", f"_kombu.binding.{queue}")


@pytest.fixture
def lifecycle(redis_client: Any) -> SearchLifecycle:
    return SearchLifecycle(SearchStore(redis_client, 3600), EventLog(redis_client, 3600))


def _reaper(lifecycle: SearchLifecycle, redis_client: Any, queue: str, sent: list[str]) -> Reaper:
    return Reaper(lifecycle, DEADLINES, held=lambda: held_searches(redis_client, [queue]), resend=sent.append)


def _judge(reaper: Reaper, search_id: str, now: float) -> Verdict:
    return reaper.reap(search_id, search_id in reaper.held(), now)


def test_a_lost_search_is_resent_once_then_failed_as_worker_lost(
    lifecycle: SearchLifecycle, redis_client: Any, broker: tuple[Any, str]
) -> None:
    _, queue = broker
    sent: list[str] = []
    reaper = _reaper(lifecycle, redis_client, queue, sent)
    search_id = lifecycle.start(SearchRequest("a search whose worker was killed"), None)
    lifecycle.store.count_delivery(search_id)  # a worker started it and ran two stages
    lifecycle.advance(search_id, "started", 0, {})
    lifecycle.advance(search_id, "parse", 10, {})
    now = time.time()

    assert _judge(reaper, search_id, now + 1) is Verdict.WAIT  # a live worker records what it pops at once
    assert _judge(reaper, search_id, now + DEADLINES.lost + 1) is Verdict.RESEND
    assert _judge(reaper, search_id, now + DEADLINES.lost + 2) is Verdict.WAIT  # a second reaper: no resend
    assert sent == [search_id]

    lifecycle.store.count_delivery(search_id)  # the re-sent search started, and its worker died too
    later = now + 2 * DEADLINES.lost + 5  # past the grace after the resend
    assert _judge(reaper, search_id, later) is Verdict.FAIL
    state = lifecycle.store.get(search_id)
    assert state is not None and state.status == "failed" and state.error is not None
    assert state.error["code"] == "worker_lost" and "not retried again" in state.error["message"]
    events = [json.loads(text) for _, text in lifecycle.events.replay(search_id)]
    assert_contiguous(events)
    assert [event["type"] for event in events] == ["progress", "progress", "failed"]
    assert _judge(reaper, search_id, later) is Verdict.FORGET and search_id not in lifecycle.store.active()
    assert sent == [search_id]


def test_a_search_waiting_in_the_queue_is_left_to_the_broker_until_the_queued_deadline(
    lifecycle: SearchLifecycle, redis_client: Any, broker: tuple[Any, str]
) -> None:
    celery, queue = broker
    sent: list[str] = []
    reaper = _reaper(lifecycle, redis_client, queue, sent)
    search_id = lifecycle.start(SearchRequest("a search behind a long queue"), None)
    celery.send_task("omics.search", args=[search_id], queue=queue, priority=6)  # an anonymous one's step
    now = time.time()

    assert search_id in held_searches(redis_client, [queue])
    assert _judge(reaper, search_id, now + DEADLINES.lost + 60) is Verdict.WAIT  # held: not lost
    assert _judge(reaper, search_id, now + DEADLINES.queued + 1) is Verdict.RESEND
    assert _judge(reaper, search_id, now + 2 * DEADLINES.queued + 5) is Verdict.FAIL
    state = lifecycle.store.get(search_id)
    assert state is not None and state.error == {
        "code": "stale",
        "message": "no worker picked this search up in time",
    }
    assert sent == [search_id]


def test_a_message_a_worker_holds_waits_for_the_broker_redelivery(
    lifecycle: SearchLifecycle, redis_client: Any, broker: tuple[Any, str]
) -> None:
    celery, queue = broker
    sent: list[str] = []
    reaper = _reaper(lifecycle, redis_client, queue, sent)
    search_id = lifecycle.start(SearchRequest("a search a worker took"), None)
    celery.send_task("omics.search", args=[search_id], queue=queue)
    with celery.connection_for_read() as connection:
        taken = connection.SimpleQueue(queue, no_ack=False).get(timeout=10)  # unacknowledged: in "unacked"
        lifecycle.store.count_delivery(search_id)
        now = time.time()
        assert search_id in held_searches(redis_client, [queue])
        assert _judge(reaper, search_id, now + DEADLINES.lost + 60) is Verdict.WAIT
        assert _judge(reaper, search_id, now + DEADLINES.started + 1) is Verdict.RESEND
        taken.ack()
    assert sent == [search_id]


def test_a_finished_search_is_forgotten(
    lifecycle: SearchLifecycle, redis_client: Any, broker: tuple[Any, str]
) -> None:
    _, queue = broker
    sent: list[str] = []
    search_id = lifecycle.start(SearchRequest("a search that finished"), None)
    lifecycle.store.fail(search_id, "engine_error", "x")
    reaper = _reaper(lifecycle, redis_client, queue, sent)
    assert _judge(reaper, search_id, time.time() + 10_000) is Verdict.FORGET
    assert search_id not in lifecycle.store.active() and sent == []
