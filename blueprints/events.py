"""The progress WebSocket: ``/api/v2/searches/{id}/events[?after=N]``.

Order of work makes resumption lossless: register with the process's relay first, then
replay the stream from ``after``, then forward live events, dropping any seq already sent
and filling any gap from the stream. The socket closes normally after the terminal event,
and with 1012 (service restart) when Redis is lost so the client reconnects elsewhere. Each
message is converted to the API version of the request that opened the socket.
Who may watch is decided before the upgrade, in ``before_request`` (a decorator under
``@sock.route`` would run only after the handshake).
"""

from __future__ import annotations

import contextlib
import queue
import socket
from typing import Any

from flask import Blueprint, g, request

from omics.api import Version
from omics.realtime.event_log import is_terminal, trace_of
from omics.realtime.hub import REDIS_LOST, RESYNC
from omics.web.extensions import sock
from omics.web.identity import current_identity
from omics.web.metrics import WEBSOCKETS_OPENED
from omics.web.schemas import EventsQuerySchema, load_query
from omics.web.state import current_state
from omics.web.stored_searches import owned_search
from omics.web.telemetry import delivering
from omics.web.versioning import event_text, request_version

bp = Blueprint("events", __name__)

NORMAL_CLOSURE = 1000
SERVICE_RESTART = 1012
POLICY_VIOLATION = 1008  # the credential that opened the socket has expired
POLL_SECONDS = 1.0
# Idle polls after which the stream is re-read: a backstop for a pub/sub message lost in transit.
IDLE_POLLS_BEFORE_CATCH_UP = 5

_schema = EventsQuerySchema()


@bp.before_request
def authorise_watch() -> None:
    """Validate ``after`` and check the caller owns the search, before the handshake."""
    g.events_after = load_query(_schema, request.args)["after"]
    view_args = request.view_args
    assert view_args is not None  # a blueprint's before_request runs only for a matched route
    owned_search(view_args["search_id"], current_identity())


class _Forwarder:
    """Sends each event of one search to one socket exactly once, in seq order, in its version."""

    def __init__(self, ws: Any, search_id: str, after: int, version: Version) -> None:
        self.ws = ws
        self.version = version
        self.search_id = search_id
        self.last = after
        self.finished = False

    def send(self, seq: int, text: str, terminal: bool) -> None:
        if seq <= self.last or self.finished:
            return
        if seq > self.last + 1:
            self.catch_up()
            if seq <= self.last:
                return
        self._deliver(seq, text, terminal)

    def catch_up(self) -> None:
        """Send every stored event after the last one sent (replay, gaps, resync)."""
        for seq, text in current_state().services.events.replay(self.search_id, self.last):
            if seq == self.last + 1 and not self.finished:
                self._deliver(seq, text, is_terminal(text))

    def _deliver(self, seq: int, text: str, terminal: bool) -> None:
        with delivering(self.search_id, seq, trace_of(text)):
            self.ws.send(event_text(text, self.version))
        self.last = seq
        self.finished = terminal


@sock.route("/api/v2/searches/<search_id>/events", bp=bp)
def watch(ws: Any, search_id: str) -> None:
    hub = current_state().hub
    inbox = hub.watch(search_id)
    WEBSOCKETS_OPENED.inc()
    try:
        forward = _Forwarder(ws, search_id, g.events_after, request_version())
        forward.catch_up()
        idle = 0
        identity = current_identity()
        while not forward.finished and ws.connected:
            if identity.expired():
                ws.close(POLICY_VIOLATION, "credential expired; reconnect with a fresh one")
                return
            try:
                item = inbox.get(timeout=POLL_SECONDS)
            except queue.Empty:
                idle += 1
                if idle % IDLE_POLLS_BEFORE_CATCH_UP == 0:
                    forward.catch_up()
                continue
            if item == REDIS_LOST:
                ws.close(SERVICE_RESTART, "event source lost; reconnect with ?after=<last seq>")
                return
            if item == RESYNC:
                forward.catch_up()
            else:
                forward.send(*item)
        if ws.connected:
            ws.close(NORMAL_CLOSURE, "search finished")
    finally:
        hub.unwatch(search_id, inbox)
        _end_tcp_after_close(ws)


def _end_tcp_after_close(ws: Any) -> None:
    """Under werkzeug's server (``python app.py``) send FIN once the close frame is out.

    Werkzeug does not know the connection became a WebSocket and writes an HTTP response into
    it after the handler returns; browsers report that as "Invalid frame header" (flask-sock
    #20, #77). Shutting the write side first makes that write fail harmlessly, while the client
    can still send its close reply. Gunicorn workers never write that response.
    """
    if ws.mode == "werkzeug":
        with contextlib.suppress(OSError):
            ws.sock.shutdown(socket.SHUT_WR)
