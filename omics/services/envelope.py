"""The envelope every inter-service message carries: schema version, correlation id, trace context.

Celery commands carry it in their message headers, events in their JSON body. A receiver reads
it with :func:`open_envelope`, which refuses (with :class:`UnreadableMessage`, a clear reason,
never a crash) a message of a schema it does not know, so an old worker meeting a newer
producer logs and drops the message instead of failing on it again and again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "omics_schema"
CORRELATION_ID = "omics_correlation_id"
SENT_AT = "omics_sent_at"
TRACE = "omics_trace"  # W3C trace context (``traceparent``, ``tracestate``) of the sender

SCHEMA_VERSION = 1
READABLE_SCHEMAS = frozenset({SCHEMA_VERSION})


class UnreadableMessage(ValueError):
    """A message this process cannot read: the reason says why (logged by the receiver)."""


@dataclass(frozen=True)
class Envelope:
    """What a message says about itself, apart from its payload."""

    correlation_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    trace: dict[str, str] = field(default_factory=dict)
    schema: int = SCHEMA_VERSION
    sent_at: float = field(default_factory=time.time)

    def headers(self) -> dict[str, Any]:
        return {
            SCHEMA: self.schema,
            CORRELATION_ID: self.correlation_id,
            SENT_AT: self.sent_at,
            TRACE: self.trace,
        }


def open_envelope(headers: Mapping[str, Any] | None) -> Envelope:
    """The envelope of a received message, or :class:`UnreadableMessage`."""
    if not headers or SCHEMA not in headers:
        raise UnreadableMessage("no envelope (schema version missing)")
    schema = headers[SCHEMA]
    if schema not in READABLE_SCHEMAS:
        raise UnreadableMessage(f"schema version {schema!r} is not one of {sorted(READABLE_SCHEMAS)}")
    correlation_id = headers.get(CORRELATION_ID)
    if not isinstance(correlation_id, str) or not correlation_id:
        raise UnreadableMessage("no correlation id")
    trace = headers.get(TRACE) or {}
    return Envelope(correlation_id, dict(trace), int(schema), float(headers.get(SENT_AT) or 0.0))
