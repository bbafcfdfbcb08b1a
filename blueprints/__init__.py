"""Every HTTP and WebSocket surface of the app, one blueprint each.

Blueprints share helpers through ``omics.web`` and never import each other.
"""

from flask import Flask

from blueprints import (
    admin,
    admin_cache,
    api_docs,
    api_keys,
    api_v1,
    api_v2,
    auth,
    events,
    health,
    ingestions,
    oauth,
    oauth_clients,
    page,
    saved_searches,
    workspace,
)

ALL = (
    health.bp,
    api_v2.bp,
    api_v1.bp,
    events.bp,
    page.bp,
    auth.bp,
    api_keys.bp,
    admin.bp,
    admin_cache.bp,
    oauth.bp,
    oauth_clients.bp,
    api_docs.bp,
    workspace.bp,
    ingestions.bp,
    saved_searches.bp,
)
# The realtime role serves the event sockets apart from the HTTP API, so they scale apart.
REALTIME = (health.bp, events.bp)


def init_app(app: Flask, role: str = "all") -> None:
    for blueprint in REALTIME if role == "realtime" else ALL:
        app.register_blueprint(blueprint)
