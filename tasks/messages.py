"""The envelope on every Celery command: stamped when sent, checked before a task runs.

Every message this process publishes gets the envelope's headers (schema version, correlation
id, sent-at, trace context) unless its producer set them itself. A worker opens the envelope
before running the task (:class:`EnvelopedTask` is the app's task base): a message it cannot
read, a newer schema from a producer rolled out ahead of it or a broken envelope, is rejected
with one log line and dropped (not requeued, so it can never loop), and the worker goes on
with the next message. A message with no envelope at all comes from the release before
envelopes (a rolling upgrade) and is read as such. A readable one makes its correlation id
current while the task runs, so the events and log lines the task causes carry it. The
OpenTelemetry Celery instrumentation links the task's span to the sender's, so one trace goes
from the request through the queue.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from celery import Task
from celery.exceptions import Reject
from celery.signals import before_task_publish, worker_process_init
from opentelemetry.instrumentation.celery import CeleryInstrumentor

from omics.services.envelope import Envelope, UnreadableMessage, open_envelope
from omics.telemetry import configure_tracing
from omics.telemetry.correlation import begin_correlation, end_correlation

log = logging.getLogger(__name__)

_correlation: contextvars.ContextVar[contextvars.Token[str | None] | None] = contextvars.ContextVar(
    "omics_task_correlation", default=None
)


def stamp_envelope(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """``before_task_publish``: add the envelope to an outgoing message (a producer's own wins)."""
    if headers is not None:
        for key, value in Envelope.current().headers().items():
            headers.setdefault(key, value)


class EnvelopedTask(Task):  # type: ignore[misc]  # celery ships no type hints
    """A task that runs only messages whose envelope it can read."""

    def before_start(self, task_id: str, args: Any, kwargs: Any) -> None:
        try:
            envelope = open_envelope(self.request.headers)
        except UnreadableMessage as refused:
            log.error("rejected %s message %s: %s (dropped, not requeued)", self.name, task_id, refused)
            raise Reject(str(refused), requeue=False) from None
        _correlation.set(begin_correlation(envelope.correlation_id))

    def after_return(self, *_: Any) -> None:
        token = _correlation.get()
        if token is not None:
            _correlation.set(None)
            end_correlation(token)


def instrument(role: str) -> None:
    """Trace Celery publishing and running in this process (and in each prefork child)."""
    configure_tracing(role)
    instrumentor = CeleryInstrumentor()  # type: ignore[no-untyped-call]  # its constructor is unannotated
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


before_task_publish.connect(stamp_envelope, weak=False)
worker_process_init.connect(lambda **_: instrument("worker"), weak=False)
