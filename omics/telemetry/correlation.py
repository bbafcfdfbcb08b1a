"""The correlation id: one id per user request, carried by every message and log line it causes.

The web layer opens a scope per request (from the caller's ``X-Correlation-ID`` or a new id),
a worker per task (from the message envelope); whatever the request leads to (Celery commands,
events, log lines) reads :func:`current_correlation_id`. A context variable, so each thread and
each gevent greenlet has its own.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("omics_correlation_id", default=None)

# What a caller may send as its own correlation id: short, and harmless in a log line.
ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current_correlation_id() -> str | None:
    return _current.get()


def begin_correlation(correlation_id: str | None) -> contextvars.Token[str | None]:
    """Make ``correlation_id`` current until :func:`end_correlation` (a new id when missing or unfit)."""
    acceptable = correlation_id is not None and ACCEPTABLE.match(correlation_id) is not None
    return _current.set(correlation_id if acceptable else new_correlation_id())


def end_correlation(token: contextvars.Token[str | None]) -> None:
    _current.reset(token)


@contextmanager
def correlation_scope(correlation_id: str | None) -> Iterator[str]:
    """:func:`begin_correlation` for the length of a block."""
    token = begin_correlation(correlation_id)
    try:
        yield _current.get() or ""
    finally:
        end_correlation(token)
