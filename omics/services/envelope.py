"""The envelope every inter-service message carries: schema version, correlation id, trace context.

Celery commands carry it in their message headers (``tasks.messages``), events as the same
top-level fields of their JSON body (``omics.realtime.event_log``). A receiver reads
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

from omics.telemetry import current_correlation_id, current_trace, new_correlation_id

SCHEMA = "omics_schema"
CORRELATION_ID = "omics_correlation_id"
SENT_AT = "omics_sent_at"
TRACE = "omics_trace"  # W3C trace context (``traceparent``, ``tracestate``) of the sender

SCHEMA_VERSION = 1
# Schema 0 is a message of the release before envelopes: it carries none of these fields, and
# a rolling upgrade has old web processes enqueueing to new workers, so it is still read.
LEGACY_SCHEMA = 0
READABLE_SCHEMAS = frozenset({LEGACY_SCHEMA, SCHEMA_VERSION})


class UnreadableMessage(ValueError):
    """A message this process cannot read: the reason says why (logged by the receiver)."""


@dataclass(frozen=True)
class Envelope:
    """What a message says about itself, apart from its payload."""

    correlation_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    trace: dict[str, str] = field(default_factory=dict)
    schema: int = SCHEMA_VERSION
    sent_at: float = field(default_factory=time.time)

    @classmethod
    def current(cls) -> Envelope:
        """The envelope of a message sent now: the current correlation id and trace context."""
        return cls(current_correlation_id() or new_correlation_id(), current_trace())

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
        return Envelope(schema=LEGACY_SCHEMA)  # from the previous release: a fresh correlation id
    schema = headers[SCHEMA]
    if schema not in READABLE_SCHEMAS:
        raise UnreadableMessage(f"schema version {schema!r} is not one of {sorted(READABLE_SCHEMAS)}")
    correlation_id = headers.get(CORRELATION_ID)
    if not isinstance(correlation_id, str) or not correlation_id:
        raise UnreadableMessage("no correlation id")
    trace = headers.get(TRACE) or {}
    if not isinstance(trace, Mapping) or not all(isinstance(value, str) for value in trace.values()):
        raise UnreadableMessage("trace context is not a map of strings")
    try:
        sent_at = float(headers.get(SENT_AT) or 0.0)
    except (TypeError, ValueError):
        raise UnreadableMessage("sent-at is not a number") from None
    return Envelope(correlation_id, {str(key): value for key, value in trace.items()}, int(schema), sent_at)
