"""The researcher's pages: search (``/``), a series (``/datasets/<accession>``), the account
(``/account``: sign-in, API keys, shortlists, saved searches) and the admin dashboard
(``/admin``). Plain HTML and JavaScript, no build step, nothing loaded from elsewhere.

The pages use the public v2 API like any client. The dataset page is rendered here from the
same record ``GET /api/v2/datasets/{accession}`` returns, so it reads without JavaScript and a
link to it can be shared; an accession that is not in the corpus gets a page saying so.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from omics.search.series import Series
from omics.web.schemas import ACCESSION
from omics.web.state import current_state
from omics.workspace import platform_names
from omics.workspace.urls import BIOPROJECT, PUBMED, download_commands, geo_files_url, geo_series_url

bp = Blueprint(
    "page", __name__, template_folder="templates", static_folder="static", static_url_path="/static/page"
)
_SEQUENCING = "high throughput sequencing"


@bp.get("/")
def index() -> str:
    return render_template("index.html")


@bp.context_processor
def _sign_in_with() -> dict[str, str | None]:
    """The external provider's name, so every page offers its button only when one is configured."""
    oauth = current_state().settings.oauth
    return {"sign_in_with": oauth.oidc_name if oauth.oidc_configured else None}


def _dataset_view(series: Series) -> dict[str, Any]:
    record = series.to_dict()
    titles = record.get("platform_titles") or []
    return {
        "record": record,
        "platforms": [
            {"accession": gpl, "name": platform_names(series.platforms, titles).get(gpl)}
            for gpl in series.platforms
        ],
        "geo_url": geo_series_url(series.accession),
        "files_url": geo_files_url(series.accession),
        "pubmed_url": PUBMED,
        "bioproject_url": BIOPROJECT,
        "commands": download_commands(
            series.accession, any(_SEQUENCING in kind for kind in series.series_types)
        ),
    }


@bp.get("/datasets/<accession>")
def dataset(accession: str) -> tuple[str, int]:
    wanted = accession.strip().upper()[:40]
    series = current_state().services.engine.get(wanted) if ACCESSION.match(wanted) else None
    if series is None:
        is_series = bool(ACCESSION.match(wanted))
        return render_template(
            "missing.html", accession=wanted, is_series=is_series, geo_url=geo_series_url(wanted)
        ), 404
    return render_template("dataset.html", **_dataset_view(series)), 200


@bp.get("/account")
def account() -> str:
    return render_template("account.html")


@bp.get("/admin")
def admin() -> str:
    return render_template("admin.html")
