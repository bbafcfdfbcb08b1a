"""The envelope on Celery commands, against a real worker: stamped when sent, refused when unreadable.

A command the worker cannot read (a newer schema, a broken envelope, a body that is not JSON) is
dropped with one log line; the worker goes on serving the next search.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from kombu import Connection, Exchange, Producer

from omics.search.request import SearchRequest
from omics.services.envelope import SCHEMA
from tests.service_clients import submit, wait_for

TASK_LOGGER = "tasks.messages"


def _uncached(query: str) -> str:
    """``query`` with a word no other test sends, so the cache cannot answer it."""
    return f"{query} {uuid.uuid4().hex[:12]}"


def _stored_search(celery_app: Any) -> str:
    return str(celery_app.services.lifecycle.start(SearchRequest(query="asthma airway epithelium"), None))


def _wait_for_log(caplog: pytest.LogCaptureFixture, needle: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in caplog.records:
            if needle in record.getMessage():
                return record.getMessage()
        time.sleep(0.05)
    raise AssertionError(f"no log line with {needle!r}: {[r.getMessage() for r in caplog.records]}")


def test_every_command_sent_carries_the_envelope(celery_app: Any, live_server: Any) -> None:
    from celery.signals import before_task_publish

    seen: list[dict[str, Any]] = []

    def keep(headers: dict[str, Any] | None = None, **_: Any) -> None:
        seen.append(dict(headers or {}))

    before_task_publish.connect(keep, weak=False)
    try:
        created = submit(live_server.url, {"query": _uncached("lung adenocarcinoma")})
    finally:
        before_task_publish.disconnect(keep)
    [headers] = [h for h in seen if h.get("task") == "omics.search" and created["id"] in h["argsrepr"]]
    assert headers[SCHEMA] == 1
    assert headers["omics_correlation_id"]
    assert headers["omics_trace"]["traceparent"].startswith("00-")
    assert abs(headers["omics_sent_at"] - time.time()) < 30
    assert wait_for(live_server.url, created["id"])["status"] == "completed"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({SCHEMA: 99}, "schema version 99 is not one of [0, 1]"),
        ({SCHEMA: None}, "schema version None is not one of [0, 1]"),
    ],
)
def test_a_command_the_worker_cannot_read_is_dropped_and_the_worker_goes_on(
    celery_app: Any,
    live_server: Any,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, Any],
    reason: str,
) -> None:
    search_id = _stored_search(celery_app)
    with caplog.at_level("ERROR", logger=TASK_LOGGER):
        message_id = celery_app.send_task("omics.search", args=(search_id,), headers=headers).id
        line = _wait_for_log(caplog, message_id)
    assert line.startswith(f"rejected omics.search message {message_id}: {reason}")
    assert len([r for r in caplog.records if message_id in r.getMessage()]) == 1  # once: never requeued
    assert celery_app.services.store.get(search_id).status == "queued"  # it never ran
    created = submit(live_server.url, {"query": _uncached("asthma airway epithelium")})
    assert wait_for(live_server.url, created["id"])["status"] == "completed"


def test_a_body_that_is_not_json_is_dropped_and_the_worker_goes_on(
    celery_app: Any, live_server: Any, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    marker = uuid.uuid4().hex
    with caplog.at_level("ERROR"), Connection(redis_url) as connection:
        Producer(connection).publish(
            f"{{not json {marker}",
            exchange=Exchange("search"),
            routing_key="search",
            serializer=None,
            content_type="application/json",
            content_encoding="utf-8",
            headers={"task": "omics.search", "id": marker, SCHEMA: 1},
        )
        _wait_for_log(caplog, marker)
    created = submit(live_server.url, {"query": _uncached("asthma airway epithelium")})
    assert wait_for(live_server.url, created["id"])["status"] == "completed"
