"""Version 1 of the HTTP API (synchronous, deprecated): a thin transformation of the v2 core.

The request becomes a v2 :class:`SearchRequest`, the v2 core runs it in this process, and the
v2 results are flattened to v1's single-string fields. Every response carries the RFC 9745
``Deprecation`` and RFC 8594 ``Sunset`` headers and a link to the successor.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from omics.search.request import SearchFilters, SearchRequest
from omics.security.roles import Permission
from omics.web.auth import require
from omics.web.openapi import openapi_document
from omics.web.rate_limits import rate_limited
from omics.web.schemas import LegacySearchSchema, load_query
from omics.web.submission import run_now

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

DEPRECATED_AT = datetime(2026, 1, 1, tzinfo=UTC)
SUNSET_AT = datetime(2027, 1, 1, tzinfo=UTC)

_schema = LegacySearchSchema()


def to_v2(args: dict[str, Any]) -> SearchRequest:
    filters = SearchFilters(
        organisms=tuple(args["organism"]),
        series_types=tuple(args["series_type"]),
        min_samples=args["min_samples"],
    )
    return SearchRequest(query=args["q"].strip(), filters=filters, page_size=args["limit"])


def to_v1(result: dict[str, Any]) -> dict[str, Any]:
    def first(name: str) -> str | None:
        values = result.get(name) or []
        return values[0] if values else None

    return {
        "accession": result["accession"],
        "title": result["title"],
        "summary": result["summary"],
        "organism": first("organisms"),
        "platform": first("platforms"),
        "sample_count": result.get("sample_count"),
        "series_type": first("series_types"),
        "score": result["score"],
    }


@bp.after_request
def deprecation_headers(response: Response) -> Response:
    response.headers["Deprecation"] = f"@{int(DEPRECATED_AT.timestamp())}"
    response.headers["Sunset"] = format_datetime(SUNSET_AT, usegmt=True)
    response.headers["Link"] = '</api/v2/searches>; rel="successor-version"'
    return response


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
    if request.method == "HEAD":
        return Response(status=200, mimetype="application/json")
    document = run_now(to_v2(args), args["offset"], args["limit"])
    return jsonify(
        {
            "query": document["query"],
            "total": document["total"],
            "limit": args["limit"],
            "offset": args["offset"],
            "results": [to_v1(result) for result in document["results"]],
        }
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(1))
