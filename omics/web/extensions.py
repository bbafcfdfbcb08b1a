"""Flask extensions created once per process and bound to each app with ``init_app``.

What differs per app (the Redis a hub subscribes to, the limiter's storage) lives in
:class:`omics.web.state.WebState` instead.
"""

from __future__ import annotations

from flask_jwt_extended import JWTManager
from flask_sock import Sock

sock = Sock()
jwt_manager = JWTManager()
