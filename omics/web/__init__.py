"""The Flask glue shared by every blueprint: app state, extensions, errors, request parsing,
authentication and permissions, rate limits, search submission and presentation.

Each subsystem binds to an app with ``init_app`` (see ``create_app`` in ``app.py``); views
reach the app's services through :func:`current_state`.
"""

from omics.web.auth import require
from omics.web.errors import ApiError
from omics.web.identity import Identity, current_identity
from omics.web.rate_limits import rate_limited
from omics.web.state import WebState, current_state, state_of

__all__ = [
    "ApiError",
    "Identity",
    "WebState",
    "current_identity",
    "current_state",
    "rate_limited",
    "require",
    "state_of",
]
