"""Version 1 of the HTTP API (synchronous, deprecated): the oldest view of the HEAD search.

The v1 query string is validated by v1's own schema, brought up to a HEAD search request by
the declared change (``omics/api/changes/asynchronous_searches.py``), run in this process, and
the HEAD result converted down through every change to v1's page. Deprecation and sunset
headers (and the optional 410 after the sunset) come from ``omics.web.versioning``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from omics.api.changes.asynchronous_searches import LegacySearchSchema
from omics.security.roles import Permission
from omics.web.auth import require
from omics.web.openapi import openapi_document
from omics.web.rate_limits import rate_limited
from omics.web.schemas import SearchRequestSchema, load_query
from omics.web.stored_searches import head_results
from omics.web.submission import run_now
from omics.web.versioning import respond, upgrade_request

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

_schema = LegacySearchSchema()
_head_schema = SearchRequestSchema()


@bp.get("/search")
@rate_limited
@require(Permission.SEARCH)
def search() -> Response:
    """Run a search; ``HEAD`` validates and counts like ``GET`` but runs nothing.

    A ``HEAD`` answer has no body, so computing one would only cost the server: it gets the
    same status and headers a ``GET`` would start with (RFC 9110 lets a server leave out
    headers it only learns while generating the content).
    """
    args = load_query(_schema, request.args)
    page = {"limit": args["limit"], "offset": args["offset"]}
    search_request = _head_schema.load(upgrade_request("SearchRequest", args, page))
    if request.method == "HEAD":
        return Response(status=200, mimetype="application/json")
    document = run_now(search_request, args["offset"], args["limit"])
    body = {
        "query": document["query"],
        "total": document["total"],
        "total_partial": document.get("total_partial", 0),
        "results": head_results(document["results"]),
    }
    return respond("Search", body, params=page)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document("1"))
