"""The per-search event log over real Redis: contiguous seqs, idempotent stages, replay, expiry."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from omics.realtime.event_log import EventLog
from omics.realtime.keys import EVENTS_CHANNEL, stream_key
from omics.services.envelope import CORRELATION_ID, SCHEMA, SCHEMA_VERSION, SENT_AT, TRACE, open_envelope


def _log(redis_client: Any, ttl: int = 600) -> EventLog:
    return EventLog(redis_client, ttl)


def test_seq_is_contiguous_and_replay_resumes_after_any_point(redis_client: Any) -> None:
    log, search_id = _log(redis_client), uuid.uuid4().hex
    for stage in ("parse", "retrieve", "rank", "facets", "finish"):
        log.emit(search_id, stage, {"type": "progress", "stage": stage, "progress": 10})
    log.emit(search_id, "terminal", {"type": "completed", "stage": "completed", "progress": 100})
    everything = log.replay(search_id)
    assert [seq for seq, _ in everything] == [1, 2, 3, 4, 5, 6]
    for after in range(7):
        assert [seq for seq, _ in log.replay(search_id, after)] == list(range(after + 1, 7))
    assert json.loads(everything[-1][1])["type"] == "completed"


def test_a_redelivered_stage_is_not_emitted_twice(redis_client: Any) -> None:
    log, search_id = _log(redis_client), uuid.uuid4().hex
    first = log.emit(search_id, "parse", {"type": "progress", "stage": "parse", "progress": 10})
    again = log.emit(search_id, "parse", {"type": "progress", "stage": "parse", "progress": 10})
    nxt = log.emit(search_id, "rank", {"type": "progress", "stage": "rank", "progress": 60})
    assert (first, again, nxt) == (1, 1, 2)
    assert len(log.replay(search_id)) == 2


def test_only_one_terminal_event_per_search(redis_client: Any) -> None:
    log, search_id = _log(redis_client), uuid.uuid4().hex
    log.emit(search_id, "terminal", {"type": "completed", "stage": "completed", "progress": 100})
    log.emit(search_id, "terminal", {"type": "failed", "stage": "failed", "progress": 0})
    types = [json.loads(text)["type"] for _, text in log.replay(search_id)]
    assert types == ["completed"]


def test_concurrent_emitters_never_share_or_skip_a_seq(redis_client: Any) -> None:
    log, search_id = _log(redis_client), uuid.uuid4().hex
    seqs: list[int] = []
    lock = threading.Lock()

    def emit_range(start: int) -> None:
        for index in range(start, start + 50):
            seq = log.emit(search_id, f"step-{index}", {"type": "progress", "stage": "x", "progress": 1})
            with lock:
                seqs.append(seq)

    threads = [threading.Thread(target=emit_range, args=(n * 50,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seqs) == list(range(1, 201))
    assert [seq for seq, _ in log.replay(search_id)] == list(range(1, 201))


def test_events_are_published_and_the_stream_expires(redis_client: Any) -> None:
    log, search_id = _log(redis_client, ttl=120), uuid.uuid4().hex
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(EVENTS_CHANNEL)
    try:
        log.emit(search_id, "parse", {"type": "progress", "stage": "parse", "progress": 5})
        message = None
        for _ in range(50):
            message = pubsub.get_message(timeout=0.1)
            if message and json.loads(message["data"])["search"] == search_id:
                break
        assert message is not None
        event = json.loads(message["data"])
        assert time.time() - 5 < event.pop("emitted_at") <= time.time()
        envelope = open_envelope(event)  # the envelope's fields ride beside the event's own
        assert envelope.schema == SCHEMA_VERSION and envelope.correlation_id
        for name in (SCHEMA, CORRELATION_ID, SENT_AT, TRACE):
            del event[name]
        assert event == {"seq": 1, "search": search_id, "type": "progress", "stage": "parse", "progress": 5}
    finally:
        pubsub.close()
    assert 0 < redis_client.ttl(stream_key(search_id)) <= 120
