"""The Celery broker transport behind Redis Sentinels, made to survive the loss of the primary.

When the primary dies, Celery's consumer closes its broker connection and reconnects. Closing
kombu's sentinel channel first puts the unacknowledged messages back, through a connection
pool it rebuilds from the kombu connection that was just released: that raises
``AttributeError``, which Celery takes as unrecoverable, and the worker stops consuming for
good. This channel reports that case as what it is, a lost broker connection, so Celery
reconnects through the Sentinels to the promoted replica as it does for any lost broker. The
messages it could not put back stay in the broker's unacknowledged index and are delivered
again when their visibility timeout passes (tasks are idempotent by search id).
"""

from __future__ import annotations

from typing import Any

import redis
from kombu.transport.redis import SentinelChannel, SentinelTransport

TRANSPORT = "tasks.broker:FailoverSentinelTransport"
"""Celery's ``broker_transport`` when Redis is behind Sentinels."""


class FailoverSentinelChannel(SentinelChannel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:  # the kombu connection was released: nothing to reach
            raise redis.exceptions.ConnectionError("the broker connection is closed")
        params: dict[str, Any] = super()._connparams(asynchronous)  # type: ignore[no-untyped-call]  # unannotated
        return params


class FailoverSentinelTransport(SentinelTransport):
    Channel = FailoverSentinelChannel
