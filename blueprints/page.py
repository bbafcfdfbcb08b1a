"""The search page at ``/``: plain HTML and JavaScript, no build step.

The page uses the public v2 API like any client: it submits a search, follows progress over
the WebSocket (polling ``GET`` when the socket is unavailable) and renders pages of results.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from omics.web.state import current_state

bp = Blueprint(
    "page", __name__, template_folder="templates", static_folder="static", static_url_path="/static/page"
)


@bp.get("/")
def index() -> str:
    oauth = current_state().settings.oauth
    # The external provider's button appears only when one is configured.
    return render_template("index.html", sign_in_with=oauth.oidc_name if oauth.oidc_configured else None)
