"""Fixtures of the web tests that stop and restart a Redis of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.redis_server import RedisServer

HANDSHAKE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}
"""Headers of a WebSocket upgrade, for handshakes sent through Flask's test client."""


@pytest.fixture
def server() -> Iterator[RedisServer]:
    """A Redis server of this test alone, which the test may stop and start again."""
    with RedisServer() as running:
        yield running
