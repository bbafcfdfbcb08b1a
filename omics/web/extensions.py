"""Flask extensions, created once here and bound to each app with ``init_app`` in ``app.py``."""

from __future__ import annotations

from flask_sock import Sock

from omics.web.relay import EventRelay

sock = Sock()
relay = EventRelay()
