"""The event WebSockets: a search's progress ``/api/v2/searches/{id}/events``, an ingestion's
``/api/v2/ingestions/{id}/events`` and the signed-in user's channel ``/api/v2/events`` (alerts), each
``[?after=N]``.

Order of work makes resumption lossless: register with the process's relay first, then
replay the stream from ``after``, then forward live events, dropping any seq already sent
and filling any gap from the stream. The socket closes normally after the terminal event (at
once when the client resumes at or past it), with 1012 (service restart) when Redis is lost
so the client reconnects elsewhere, with 1008 when the credential it was opened with expires
or is revoked (logout, key revocation: asked again every ping interval), with 1013 (try
again later) when the address or the process holds too many sockets already, and with 4410
``search_gone`` when Redis lost the search meanwhile (a handshake for it gets HTTP 410). Each message is
converted to the API version of the request that opened the socket.
Who may watch is decided before the upgrade, in ``before_request`` (a decorator under
``@sock.route`` would run only after the handshake).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import queue
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from omics.api import Version
from omics.realtime.event_log import is_terminal, trace_of
from omics.realtime.hub import REDIS_LOST, RESYNC
from omics.realtime.keys import TERMINAL_STATUSES, watch_key
from omics.security.roles import Permission
from omics.web.audit_trail import client_ip
from omics.web.auth import credential_still_valid, require
from omics.web.errors import ApiError
from omics.web.extensions import sock
from omics.web.identity import Identity, current_identity
from omics.web.ingestions import SAGA_TERMINAL, current_ingestion, ingestion
from omics.web.metrics import WEBSOCKETS_OPENED
from omics.web.schemas import EventsQuerySchema, load_query
from omics.web.socket_quota import SocketQuota, process_socket_cap
from omics.web.state import current_state
from omics.web.stored_searches import owned_search
from omics.web.telemetry import delivering
from omics.web.versioning import event_text, request_version

bp = Blueprint("events", __name__)

NORMAL_CLOSURE = 1000
SERVICE_RESTART = 1012
POLICY_VIOLATION = 1008  # the credential that opened the socket has expired or was revoked
TRY_AGAIN_LATER = 1013  # over the process's or the address's socket quota
SEARCH_GONE = 4410  # the search was lost with Redis's data (HTTP's 410): submit it again
POLL_SECONDS = 1.0
# Idle polls after which the stream is re-read: a backstop for a pub/sub message lost in transit.
IDLE_POLLS_BEFORE_CATCH_UP = 5

_QUOTA_KEY = "omics_socket_quota"

_schema = EventsQuerySchema()


WEBSOCKET_VERSION = "13"  # RFC 6455, the one version served


def _check_handshake() -> None:
    """A WebSocket upgrade must be one the server can complete: 426 or 400 before any work."""
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return  # a plain GET: flask-sock answers it with 400
    if request.headers.get("Sec-WebSocket-Version") != WEBSOCKET_VERSION:
        raise ApiError(426, f"only WebSocket version {WEBSOCKET_VERSION} is supported", "upgrade_required")
    try:
        key_ok = len(base64.b64decode(request.headers.get("Sec-WebSocket-Key", ""), validate=True)) == 16
    except binascii.Error:
        key_ok = False
    if not key_ok:
        raise ApiError(400, "the WebSocket handshake needs a valid Sec-WebSocket-Key", "bad_handshake")


@bp.after_request
def advertise_version(response: Response) -> Response:
    if response.status_code == 426:
        response.headers["Sec-WebSocket-Version"] = WEBSOCKET_VERSION
    return response


@bp.before_request
def authorise_watch() -> None:
    """Check the handshake, validate ``after`` and check the caller may watch, before the upgrade."""
    _check_handshake()
    g.events_after = load_query(_schema, request.args)["after"]
    view_args = request.view_args
    assert view_args is not None  # a blueprint's before_request runs only for a matched route
    identity = current_identity()
    if "search_id" in view_args:
        owned_search(view_args["search_id"], identity)
        g.events_topic = _search_topic(view_args["search_id"])
    elif "saga_id" in view_args:
        g.events_topic = _ingestion_topic(view_args["saga_id"])
    else:
        g.events_topic = _user_topic()


@dataclass(frozen=True)
class _Topic:
    """One stream a socket follows: its key in the hub, its stored events, and whether it is over.

    ``over()`` says the stream has ended for good (a finished search or saga); a user's channel
    never ends, so its socket stays open until the client leaves.
    """

    watch_key: str
    replay: Callable[[int], list[tuple[int, str]]]
    over: Callable[[], bool]
    ending: str
    # Whether the stream was lost with Redis's data (a search): the socket closes 4410 search_gone.
    gone: Callable[[], bool] = lambda: False


def _search_topic(search_id: str) -> _Topic:
    def over() -> bool:
        state = current_state().services.store.get(search_id)
        return state is not None and state.status in TERMINAL_STATUSES

    def gone() -> bool:
        return current_state().services.store.get(search_id) is None

    return _Topic(
        search_id, partial(current_state().services.events.replay, search_id), over, "search finished", gone
    )


def _ingestion_topic(saga_id: str) -> _Topic:
    """An ingestion's progress: for those who may start ingestions (404 for an unknown saga)."""
    require(Permission.CORPUS_CURATE)(lambda: None)()
    saga = ingestion(saga_id)
    events = current_ingestion().events
    if saga.status in SAGA_TERMINAL and not events.replay(saga.id):  # kept for OMICS_SEARCH_TTL only
        raise ApiError(410, "this ingestion's events have expired; GET the ingestion instead", "events_gone")

    def over() -> bool:
        view = current_ingestion().runner.store.view(saga.id)
        return view is not None and view.status in SAGA_TERMINAL

    return _Topic(watch_key("ingestion", saga.id), partial(events.replay, saga.id), over, "ingestion ended")


def _user_topic() -> _Topic:
    """The signed-in caller's own channel (alerts of their saved searches); 401 for anonymous callers."""
    subject = current_identity().subject
    if subject is None:
        raise ApiError(401, "authentication required", "authentication_required")
    replay = partial(current_ingestion().user_events.replay, subject)
    return _Topic(watch_key("user", subject), replay, lambda: False, "")


class _Forwarder:
    """Sends each event of one stream to one socket exactly once, in seq order, in its version."""

    def __init__(self, ws: Any, topic: _Topic, after: int, version: Version) -> None:
        self.ws = ws
        self.version = version
        self.topic = topic
        self.last = after
        self.finished = False

    def send(self, seq: int, text: str, terminal: bool) -> None:
        if seq <= self.last or self.finished:
            self.finished = self.finished or terminal  # the client had the end already (?after=)
            return
        if seq > self.last + 1:
            self.catch_up()
            if seq <= self.last:
                return
        self._deliver(seq, text, terminal)

    def catch_up(self) -> None:
        """Send every stored event after the last one sent (replay, gaps, resync)."""
        for seq, text in self.topic.replay(self.last):
            if seq == self.last + 1 and not self.finished:
                self._deliver(seq, text, is_terminal(text))

    def _deliver(self, seq: int, text: str, terminal: bool) -> None:
        with delivering(self.topic.watch_key, seq, trace_of(text)):
            self.ws.send(event_text(text, self.version))
        self.last = seq
        self.finished = terminal

    def client_has_the_end(self) -> bool:
        """Whether the stream is over and the client already holds its terminal event.

        A client resuming with ``?after=`` at or past the terminal event's seq would otherwise
        wait forever for a frame that will never come.
        """
        if not self.topic.over():
            return False
        ends = [seq for seq, text in self.topic.replay(0) if is_terminal(text)]
        return bool(ends) and ends[-1] <= self.last


class _CredentialCheck:
    """Asks again, once per ping interval, whether the socket's credential still holds."""

    def __init__(self, identity: Identity, interval: float) -> None:
        self.identity = identity
        self.interval = interval
        self.checked_at = time.monotonic()

    def failed(self) -> bool:
        if self.identity.expired():
            return True
        if time.monotonic() - self.checked_at < self.interval:
            return False
        self.checked_at = time.monotonic()
        return not credential_still_valid(self.identity)


@sock.route("/api/v2/searches/<search_id>/events", bp=bp)
def watch(ws: Any, search_id: str) -> None:
    _serve(ws)


@sock.route("/api/v2/ingestions/<saga_id>/events", bp=bp)
def watch_ingestion(ws: Any, saga_id: str) -> None:
    _serve(ws)


@sock.route("/api/v2/events", bp=bp)
def watch_user_channel(ws: Any) -> None:
    _serve(ws)


def _serve(ws: Any) -> None:
    """Follow the stream ``authorise_watch`` chose, within the socket quotas."""
    address = client_ip() or "unknown"
    quota = socket_quota()
    if not quota.acquire(address):
        ws.close(TRY_AGAIN_LATER, "too many progress sockets open; try again later")
        _end_tcp_after_close(ws)
        return
    try:
        _follow(ws, g.events_topic)
    finally:
        quota.release(address)
        _end_tcp_after_close(ws)


def _follow(ws: Any, topic: _Topic) -> None:
    """Forward the stream's events until its end, a lost event source or a lapsed credential."""
    hub = current_state().hub
    inbox = hub.watch(topic.watch_key)
    WEBSOCKETS_OPENED.inc()
    try:
        forward = _Forwarder(ws, topic, g.events_after, request_version())
        forward.catch_up()
        forward.finished = forward.finished or forward.client_has_the_end()
        idle = 0
        credential = _CredentialCheck(current_identity(), current_state().settings.service.ws_ping_interval)
        while not forward.finished and ws.connected:
            if credential.failed():
                ws.close(POLICY_VIOLATION, "credential expired or revoked; reconnect with a fresh one")
                return
            try:
                item = inbox.get(timeout=POLL_SECONDS)
            except queue.Empty:
                idle += 1
                if idle % IDLE_POLLS_BEFORE_CATCH_UP == 0:
                    if topic.gone():
                        ws.close(SEARCH_GONE, "search_gone: the search is no longer stored; submit it again")
                        return
                    forward.catch_up()
                    forward.finished = forward.finished or forward.client_has_the_end()
                continue
            if item == REDIS_LOST:
                ws.close(SERVICE_RESTART, "event source lost; reconnect with ?after=<last seq>")
                return
            if item == RESYNC:
                forward.catch_up()
            else:
                forward.send(*item)
        if ws.connected:
            ws.close(NORMAL_CLOSURE, topic.ending)
    finally:
        hub.unwatch(topic.watch_key, inbox)


def socket_quota() -> SocketQuota:
    """This app's (this process's) socket counts, made on first use."""
    quota = current_app.extensions.get(_QUOTA_KEY)
    if quota is None:
        settings = current_state().settings
        limits, load = settings.security, settings.load
        per_process = process_socket_cap(limits.ws_max_per_process, load.web_connections, load.web_headroom)
        quota = current_app.extensions.setdefault(_QUOTA_KEY, SocketQuota(limits.ws_max_per_ip, per_process))
    assert isinstance(quota, SocketQuota)
    return quota


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
