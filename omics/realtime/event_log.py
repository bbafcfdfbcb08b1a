"""Per-search progress events: a capped, expiring Redis Stream for replay plus pub/sub for push.

An event is emitted by one Lua script that, atomically, assigns the next ``seq`` of the search,
appends the event to the search's stream under the stream id ``<seq>-0`` and publishes it. Each
event carries an idempotency key (the pipeline stage, or ``terminal``): a redelivered or retried
task that reports a stage again gets the seq of the first report back and emits nothing, so the
sequence seen by clients never repeats or skips a number, and a search has exactly one terminal
event (``completed`` or ``failed``). ``emitted_at`` (unix seconds) lets clients and the
fan-out benchmark measure delivery latency. Every event also carries the message envelope's
fields (``omics_schema``, ``omics_correlation_id``, ``omics_sent_at``, ``omics_trace``: see
``omics.services.envelope``), so a receiver can refuse one it cannot read and a socket's
delivery joins the trace of the search that caused it.
"""

from __future__ import annotations

import json
from typing import Any

import redis
from redis.typing import StreamEntry

from omics.connections.redis import as_text
from omics.realtime.keys import EVENTS_CHANNEL, TERMINAL_EVENT_TYPES, ledger_key, stream_key, watch_key
from omics.services.envelope import TRACE, Envelope, UnreadableMessage, open_envelope

STREAM_MAXLEN = 1000
STREAM_KINDS = ("search", "ingestion", "user")

_EMIT = """
local existing = redis.call('HGET', KEYS[2], ARGV[2])
if existing then return tonumber(existing) end
local seq = redis.call('HINCRBY', KEYS[2], '__seq', 1)
local event = '{"seq":' .. seq .. ',' .. string.sub(ARGV[3], 2)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], seq .. '-0', 'event', event)
redis.call('HSET', KEYS[2], ARGV[2], seq)
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[1], event)
return seq
"""


class EventLog:
    """Writes and replays the events of searches (the stream is the truth; pub/sub is a hint).

    ``kind`` names other streams kept the same way: ``ingestion`` (a saga's progress) and
    ``user`` (one user's alerts); their events name their topic under that kind's field.
    """

    def __init__(self, client: redis.Redis, ttl_seconds: int, kind: str = "search") -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._kind = kind
        self._emit = client.register_script(_EMIT)

    def emit(self, search_id: str, key: str, event: dict[str, Any]) -> int:
        """Append ``event`` once per ``(search_id, key)`` and return its seq."""
        envelope = Envelope.current()
        stamped = {self._kind: search_id, **event, **envelope.headers()}
        stamped["emitted_at"] = round(envelope.sent_at, 6)
        body = json.dumps(stamped, separators=(",", ":"), sort_keys=True)
        args: list[str | int] = [EVENTS_CHANNEL, key, body, STREAM_MAXLEN, self._ttl]
        keys = [stream_key(search_id, self._kind), ledger_key(search_id, self._kind)]
        return int(self._emit(keys=keys, args=args))

    def replay(self, search_id: str, after: int = 0) -> list[tuple[int, str]]:
        """Every stored event with ``seq > after`` in order, as ``(seq, json text)``."""
        entries = self._client.xrange(stream_key(search_id, self._kind), min=f"{after + 1}-0", max="+")
        return [_seq_and_event(entry) for entry in entries or ()]


def _seq_and_event(entry: StreamEntry) -> tuple[int, str]:
    """``(seq, json text)`` of one stream entry (its id is ``<seq>-0``)."""
    entry_id, fields = entry
    if entry_id is None or fields is None:  # redis-py's type allows it; XRANGE never returns one
        raise ValueError(f"stream entry without id or fields: {entry!r}")
    return int(as_text(entry_id).split("-", 1)[0]), as_text(fields["event"])


def parse_published(message: str) -> tuple[str, int, str, bool]:
    """``(watch key, seq, json text, is terminal)`` of one message received on :data:`EVENTS_CHANNEL`.

    The watch key of a search event is its search id; other streams' are ``<kind>:<id>``.
    Raises :class:`UnreadableMessage` (with the reason) for a message that is not an event
    of a schema this process reads.
    """
    try:
        event = json.loads(message)
    except ValueError:
        raise UnreadableMessage("not JSON") from None
    if not isinstance(event, dict):
        raise UnreadableMessage("not a JSON object")
    open_envelope(event)
    kind = next((k for k in STREAM_KINDS if k in event), "search")
    try:
        key, seq = watch_key(kind, str(event[kind])), int(event["seq"])
    except (KeyError, TypeError, ValueError):
        raise UnreadableMessage("no stream id or seq") from None
    return key, seq, message, event.get("type") in TERMINAL_EVENT_TYPES


def trace_of(event_json: str) -> dict[str, str]:
    """The trace context an event carries (empty for one without it)."""
    trace = json.loads(event_json).get(TRACE)
    return trace if isinstance(trace, dict) else {}


def is_terminal(event_json: str) -> bool:
    return json.loads(event_json).get("type") in TERMINAL_EVENT_TYPES
