"""OpenTelemetry tracing: the process's tracer provider, context carriers and search-stage spans.

Every process installs the SDK's tracer provider (unless ``OTEL_SDK_DISABLED=true``), so trace
and span ids exist for log lines and message envelopes even when nothing is exported. Spans are
exported only when the standard environment asks for it: ``OTEL_TRACES_EXPORTER=otlp`` (or an
``OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT``) sends them over OTLP/HTTP, ``console`` prints them;
by default they are dropped. Redis commands get spans only while something exports (a span per
command is worth its cost only when someone looks at it).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

log = logging.getLogger(__name__)

INSTRUMENTATION = "omicsoracle"
_configured = threading.Lock()
_provider: TracerProvider | None = None


def _exporter_from_env() -> SpanExporter | None:
    """The exporter the standard ``OTEL_*`` environment names, or None (the default: off)."""
    names = {name.strip() for name in os.environ.get("OTEL_TRACES_EXPORTER", "").split(",") if name.strip()}
    endpoint_set = any(
        os.environ.get(name) for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )
    if "otlp" in names or (endpoint_set and "none" not in names):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()  # endpoint, headers, timeout: from OTEL_EXPORTER_OTLP_*
    if "console" in names:
        return ConsoleSpanExporter()
    return None


def configure_tracing(role: str) -> TracerProvider | None:
    """Install this process's tracer provider once (the first role to ask names the service)."""
    global _provider
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    with _configured:
        if _provider is None:
            name = os.environ.get("OTEL_SERVICE_NAME") or f"omicsoracle-{role}"
            _provider = TracerProvider(resource=Resource.create({"service.name": name, "omics.role": role}))
            trace.set_tracer_provider(_provider)
            exporter = _exporter_from_env()
            if exporter is not None:
                add_span_processor(BatchSpanProcessor(exporter))
        return _provider


def add_span_processor(processor: SpanProcessor) -> None:
    """Export spans through ``processor`` too (an OTLP batch, or a test's in-memory exporter).

    Redis commands are traced from then on.
    """
    provider = configure_tracing("all") or trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        raise RuntimeError("tracing is disabled (OTEL_SDK_DISABLED=true)")
    provider.add_span_processor(processor)
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    instrumentor = RedisInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def tracer() -> trace.Tracer:
    return trace.get_tracer(INSTRUMENTATION)


def current_trace() -> dict[str, str]:
    """The W3C trace context (``traceparent``, ``tracestate``) of the current span, for a message."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from(carrier: Mapping[str, str] | None) -> context.Context:
    """The trace context a message carried (the current one when it carried none)."""
    return propagate.extract(dict(carrier or {}))


def trace_ids() -> tuple[str, str] | None:
    """``(trace id, span id)`` in hex of the current span, for log lines; None outside any span."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")


class StageReport(Protocol):
    """A progress callback: ``stage`` really finished, ``progress`` percent done (the engine's shape)."""

    def __call__(self, stage: str, progress: int, detail: dict[str, Any]) -> None: ...


def stage_spans(report: StageReport, prefix: str = "search.stage") -> StageReport:
    """Wrap a progress callback so each reported stage becomes a span, as long as the stage took.

    The engine reports a stage when it has finished, so its span starts where the previous
    report (or the wrapping) left off; ``report`` runs inside the span, so what it emits (an
    event) carries the stage's trace context.
    """
    started = time.time_ns()

    def traced(stage: str, progress: int, detail: dict[str, Any]) -> None:
        nonlocal started
        span = tracer().start_span(f"{prefix} {stage}", start_time=started)
        span.set_attributes({"omics.stage": stage, "omics.progress": progress})
        with trace.use_span(span, end_on_exit=True):
            report(stage, progress, detail)
        started = time.time_ns()

    return traced
