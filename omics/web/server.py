"""The HTTP server of the all-in-one run (``python app.py``): werkzeug's, with two changes.

Werkzeug's request handler names itself and Python with their versions in every ``Server``
header, and answers requests it cannot parse (a URI over 64 KiB: 414, too many or too long
header lines: 431) with an HTML page before the app sees them. This handler says only
``OmicsOracle`` and answers those with the API's JSON error. (Gunicorn, the web role's
server, sends ``Server: gunicorn`` without a version.)
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from omics.web.errors import error_code

SERVER_NAME = "OmicsOracle"


class JsonErrorRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without the version banner, with JSON bodies for its own errors."""

    def version_string(self) -> str:
        return SERVER_NAME

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        reason = message or self.responses.get(code, ("error", ""))[0]
        body = json.dumps({"error": {"code": error_code(code), "message": reason, "details": {}}}).encode()
        self.close_connection = True
        self.send_response(code, reason)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if getattr(self, "command", None) != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)


def make_app_server(app: Flask, host: str, port: int, **options: Any) -> BaseWSGIServer:
    """A threaded server for ``app`` on ``host:port`` (port 0: any free one)."""
    return make_server(host, port, app, threaded=True, request_handler=JsonErrorRequestHandler, **options)
