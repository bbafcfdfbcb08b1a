"""Wires accounts, tokens, API keys and rate limits into an app in one call from ``create_app``.

Called after every blueprint is registered, because the rate limits wrap the views of the
limited routes. The WebSocket server is told to accept the ``bearer`` subprotocol, which
browsers use to send a token (``new WebSocket(url, ["bearer", token])``).
"""

from __future__ import annotations

from flask import Flask

from omics.config import Settings
from omics.security.database import Database
from omics.web.auth import init_auth
from omics.web.rate_limits import init_rate_limits
from omics.web.services import Services


def init_security(app: Flask, settings: Settings, bound: Services) -> None:
    database = Database.from_settings(settings)
    init_auth(app, settings, bound.redis, database)
    init_rate_limits(app, bound.redis_url)
    sock_options = app.config.get("SOCK_SERVER_OPTIONS", {})
    app.config["SOCK_SERVER_OPTIONS"] = {**sock_options, "subprotocols": ["bearer"]}
