"""Flask extensions created once per process and bound to each app with ``init_app``.

What differs per app (the Redis a hub subscribes to, the limiter's storage) lives in
:class:`omics.web.state.WebState` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from flask import Blueprint, Flask
from flask_jwt_extended import JWTManager
from flask_sock import Sock


class WebSocketRoutes(Protocol):
    """What the app uses of flask-sock's ``Sock`` (flask-sock ships no type hints)."""

    def init_app(self, app: Flask) -> None: ...

    def route(
        self, path: str, bp: Blueprint | None = None, **kwargs: Any
    ) -> Callable[[Callable[..., None]], None]:
        """Register ``handler(ws, **view_args)`` as a WebSocket route; the decorator returns None."""
        ...


sock: WebSocketRoutes = Sock()
jwt_manager = JWTManager()
