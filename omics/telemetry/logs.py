"""Structured logs: one JSON object a line, with the trace and correlation ids of the work it is about.

``OMICS_LOG_FORMAT=text`` keeps the plain format for reading on a terminal; both carry the ids.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

from omics.telemetry.correlation import current_correlation_id
from omics.telemetry.tracing import trace_ids

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s %(trace_id)s]: %(message)s"


class ContextFilter(logging.Filter):
    """Stamps each record with the correlation, trace and span ids of the code that logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = trace_ids()
        record.correlation_id = current_correlation_id() or "-"
        record.trace_id, record.span_id = ids if ids else ("-", "-")
        return True


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message, ids, and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        document = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", "-"),
            "trace_id": getattr(record, "trace_id", "-"),
            "span_id": getattr(record, "span_id", "-"),
            "process": record.process,
            "thread": record.threadName,
        }
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


def configure_logging(level: int = logging.INFO, log_format: str | None = None) -> None:
    """Log to stderr as JSON (or text with ``OMICS_LOG_FORMAT=text``), every line with its ids."""
    chosen = log_format or os.environ.get("OMICS_LOG_FORMAT", "json")
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if chosen == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
