"""Every HTTP and WebSocket surface of the app, one blueprint each.

Blueprints share helpers through ``omics.web`` and never import each other.
"""

from flask import Flask

from blueprints import admin, admin_cache, api_keys, api_v1, api_v2, auth, events, health, page, workspace

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
    workspace.bp,
)


def init_app(app: Flask) -> None:
    for blueprint in ALL:
        app.register_blueprint(blueprint)
