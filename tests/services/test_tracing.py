"""One search is one trace: the HTTP request, the queue, the worker's stages, the events a socket gets.

The live server and the real Celery worker of the test session run in this process, so one
in-memory exporter sees the spans of both sides; the links between them go through the
message headers (Celery) and the events' envelope (the socket), as between processes.
"""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from omics.search import STAGES
from omics.telemetry import (
    ContextFilter,
    JsonFormatter,
    add_span_processor,
    configure_tracing,
    correlation_scope,
    tracer,
)
from tests.service_clients import connect, read_events


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()  # the processor stays on the provider; a stopped exporter drops spans
    RedisInstrumentor().uninstrument()


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    chain = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        chain.append(span)
    return chain


def _spans_when(exporter: InMemorySpanExporter, done: Any, timeout: float = 20) -> list[ReadableSpan]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        spans = list(exporter.get_finished_spans())
        if done(spans):
            return spans
        time.sleep(0.05)
    raise AssertionError(f"spans incomplete: {sorted({span.name for span in exporter.get_finished_spans()})}")


def test_a_search_is_one_trace_from_post_through_the_worker_to_the_socket(
    live_server: Any, exported: InMemorySpanExporter
) -> None:
    correlation_id = f"trace-test-{uuid.uuid4().hex[:8]}"
    response = requests.post(
        f"{live_server.url}/api/v2/searches",
        json={"query": f"psoriasis skin lesions {uuid.uuid4().hex[:10]}"},
        headers={"X-Correlation-ID": correlation_id},
        timeout=10,
    )
    assert response.status_code == 202 and response.headers["X-Correlation-ID"] == correlation_id
    search_id = response.json()["id"]
    events, close_code = read_events(connect(live_server.ws_url, response.json()["links"]["events"]))
    assert close_code == 1000 and events[-1]["type"] == "completed"
    assert {event["omics_correlation_id"] for event in events} == {correlation_id}

    def complete(spans: list[ReadableSpan]) -> bool:
        delivered = [
            s for s in spans if s.name == "events.deliver" and s.attributes["omics.search_id"] == search_id
        ]
        return len(delivered) == len(events) and any(s.name == "run/omics.search" for s in spans)

    spans = _spans_when(exported, complete)
    by_id = {span.context.span_id: span for span in spans}
    [post] = [s for s in spans if s.name == "POST /api/v2/searches" and s.kind == SpanKind.SERVER]
    trace_id = post.context.trace_id
    in_trace = [span for span in spans if span.context.trace_id == trace_id]
    [publish] = [s for s in in_trace if s.name == "apply_async/omics.search"]
    [run] = [s for s in in_trace if s.name == "run/omics.search"]
    assert post in _ancestors(publish, by_id)
    assert run.parent is not None and run.parent.span_id == publish.context.span_id  # across the queue
    stages = sorted(
        (s for s in in_trace if s.name.startswith("search.stage ")), key=lambda s: s.start_time or 0
    )
    assert [s.attributes["omics.stage"] for s in stages] == list(STAGES)
    assert all(s.parent is not None and s.parent.span_id == run.context.span_id for s in stages)
    delivered = [s for s in in_trace if s.name == "events.deliver"]
    assert sorted(s.attributes["omics.seq"] for s in delivered) == [event["seq"] for event in events]
    emitters = {run.context.span_id} | {s.context.span_id for s in stages}
    assert all(s.parent is not None and s.parent.span_id in emitters for s in delivered)
    assert any(s.attributes.get("db.system") == "redis" for s in in_trace)  # Redis commands traced too


def test_a_log_line_is_json_with_the_correlation_and_trace_ids() -> None:
    configure_tracing("all")  # as every process does when it starts
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"omics.test.{uuid.uuid4().hex}")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)  # whatever earlier tests did to the level of "omics"
    with correlation_scope("corr-42"), tracer().start_as_current_span("work") as span:
        logger.warning("hello %s", "there")
    line = json.loads(stream.getvalue())
    assert line["message"] == "hello there" and line["level"] == "WARNING"
    assert line["correlation_id"] == "corr-42"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span_id"] == format(span.get_span_context().span_id, "016x")
