"""Telemetry of every process: the correlation id, OpenTelemetry tracing and structured logs.

Framework-free (OpenTelemetry and the standard library only): Flask is instrumented by
``omics.web.telemetry``, Celery by ``tasks.messages``.
"""

from omics.telemetry.correlation import correlation_scope, current_correlation_id, new_correlation_id
from omics.telemetry.logs import ContextFilter, JsonFormatter, configure_logging
from omics.telemetry.tracing import (
    add_span_processor,
    configure_tracing,
    context_from,
    current_trace,
    stage_spans,
    tracer,
)

__all__ = [
    "ContextFilter",
    "JsonFormatter",
    "add_span_processor",
    "configure_logging",
    "configure_tracing",
    "context_from",
    "correlation_scope",
    "current_correlation_id",
    "current_trace",
    "new_correlation_id",
    "stage_spans",
    "tracer",
]
