"""Tracing and the correlation id of HTTP requests and WebSockets.

Each request gets a correlation id (the caller's ``X-Correlation-ID`` when acceptable, else a
new one), echoed in the response, current while the request runs so the Celery commands it
sends and the log lines it writes carry it. The OpenTelemetry Flask instrumentation makes each
request a span; the event socket adds a span per event it delivers, a child of the span that
emitted the event in the worker, so a search is one trace from ``POST`` to the socket.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, g, request
from opentelemetry import trace
from opentelemetry.instrumentation.flask import FlaskInstrumentor

from omics.telemetry import configure_tracing, context_from, current_correlation_id, tracer
from omics.telemetry.correlation import begin_correlation, end_correlation

CORRELATION_HEADER = "X-Correlation-ID"


def _begin() -> None:
    g.correlation_token = begin_correlation(request.headers.get(CORRELATION_HEADER))
    trace.get_current_span().set_attribute("omics.correlation_id", current_correlation_id() or "")


def _echo(response: Response) -> Response:
    response.headers[CORRELATION_HEADER] = current_correlation_id() or ""
    return response


def _end(_error: BaseException | None) -> None:
    token = g.pop("correlation_token", None)
    if token is not None:
        end_correlation(token)


@contextmanager
def delivering(search_id: str, seq: int, event_trace: dict[str, str]) -> Iterator[None]:
    """A span around sending one event to one socket, in the trace of the work that emitted it."""
    with tracer().start_as_current_span(
        "events.deliver",
        context=context_from(event_trace),
        kind=trace.SpanKind.CONSUMER,
        attributes={"omics.search_id": search_id, "omics.seq": seq},
    ):
        yield


def init_app(app: Flask, role: str) -> None:
    configure_tracing(role)
    FlaskInstrumentor().instrument_app(app, excluded_urls="health/live,health/ready,metrics")  # type: ignore[no-untyped-call]  # opentelemetry-instrumentation-flask leaves instrument_app unannotated
    app.before_request(_begin)
    app.after_request(_echo)
    app.teardown_request(_end)
