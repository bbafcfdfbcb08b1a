"""Real HTTP and WebSocket clients for the service tests and their helpers."""

from __future__ import annotations

import json
import struct
import time
from typing import Any

import requests
import websocket

CLOSE_OPCODE = websocket.ABNF.OPCODE_CLOSE


def submit(base_url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{base_url}/api/v2/searches", json=body, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()


def connect(
    ws_base: str, events_path: str, after: int | None = None, timeout: float = 20
) -> websocket.WebSocket:
    query = f"?after={after}" if after is not None else ""
    return websocket.create_connection(f"{ws_base}{events_path}{query}", timeout=timeout)


def read_events(ws: websocket.WebSocket, limit: int | None = None) -> tuple[list[dict[str, Any]], int | None]:
    """Events until the server closes (return its close code) or ``limit`` events arrived (code None)."""
    events: list[dict[str, Any]] = []
    while limit is None or len(events) < limit:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == CLOSE_OPCODE:
            return events, struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
        if opcode == websocket.ABNF.OPCODE_TEXT:
            events.append(json.loads(data))
    return events, None


def wait_for(
    base_url: str, search_id: str, timeout: float = 20, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Poll GET (as the caller with ``headers``) until the search is finished (the durable fallback path)."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = requests.get(f"{base_url}/api/v2/searches/{search_id}", headers=headers, timeout=10).json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"search {search_id} did not finish in {timeout}s: {body}")


def assert_contiguous(events: list[dict[str, Any]], first: int = 1) -> None:
    assert [event["seq"] for event in events] == list(range(first, first + len(events)))
