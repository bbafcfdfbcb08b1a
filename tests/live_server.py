"""A real threaded HTTP server for tests: the app answers over real sockets, not a test client."""

from __future__ import annotations

import threading
from typing import Any


class LiveServer:
    """A real threaded HTTP server for one app, in a background thread."""

    def __init__(self, app: Any) -> None:
        from omics.web.server import make_app_server

        self._server = make_app_server(app, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.ws_url = f"ws://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
