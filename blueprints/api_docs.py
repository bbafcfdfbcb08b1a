"""What documents the API: the changelog, the migration guide, the docs page, usage per version.

The docs page is Swagger UI from the ``swagger-ui-bundle`` package, served from this process
(no CDN: it works offline), with a picker over every version's OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from omics.api import changelog_entries, migration_markdown
from omics.security.roles import Permission
from omics.web.auth import require
from omics.web.versioning import bundle, usage

bp = Blueprint("api_docs", __name__)
_SWAGGER_UI = Path(swagger_ui_path)


@bp.get("/api/changelog")
def changelog() -> Response:
    return jsonify({"versions": changelog_entries(bundle())})


@bp.get("/api/docs/migration")
def migration_guide() -> Response:
    return Response(migration_markdown(bundle()), content_type="text/markdown; charset=utf-8")


@bp.get("/api/docs")
def docs_page() -> str:
    documents = [
        {"name": f"v2 {version.name}", "url": f"/api/v2/openapi.json?version={version.name}"}
        for version in reversed(bundle().dated())
    ] + [{"name": "v1 (deprecated)", "url": "/api/v1/openapi.json"}]
    return render_template("api_docs.html", documents=documents)


@bp.get("/api/docs/assets/<path:name>")
def docs_asset(name: str) -> Response:
    return send_from_directory(_SWAGGER_UI, name, max_age=86400)


@bp.get("/api/v2/admin/api-usage")
@require(Permission.SERVICES_READ)
def api_usage() -> Response:
    """Requests per API version and client, so an operator knows who still calls v1."""
    return jsonify({"usage": usage()})
