"""2026-11-29: searches became asynchronous resources; v1's synchronous search is their oldest view.

Version 1 (``GET /api/v1/search``) answered one page at once and flattened every list to its
first value. Version 2 starts a search, reports its progress and pages results by cursor, and
keeps every organism, type and platform. v1 is served by running a HEAD search in-process and
converting it down through this change: its parameters, page and result fields stay exactly
what v1 clients have always received.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from omics.api.versions import Params, VersionChange

V1_MAX_QUERY_LENGTH = 1000  # v1's limits are frozen with v1, whatever HEAD accepts later


class LegacySearchSchema(Schema):
    """Query string of ``GET /api/v1/search`` (repeatable ``organism`` and ``series_type``)."""

    class Meta:
        unknown = RAISE

    q = fields.String(required=True, validate=validate.Length(1, V1_MAX_QUERY_LENGTH))
    limit = fields.Integer(validate=validate.Range(1, 100), load_default=20)
    offset = fields.Integer(validate=validate.Range(min=0), load_default=0)
    organism = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)
    series_type = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)
    min_samples = fields.Integer(validate=validate.Range(min=0), load_default=None)


def _request_up(args: dict[str, Any], _params: Params) -> dict[str, Any]:
    """v1 query arguments as a HEAD search body (``offset`` stays a parameter of the page)."""
    filters: dict[str, Any] = {"organisms": args["organism"], "series_types": args["series_type"]}
    if args["min_samples"] is not None:
        filters["min_samples"] = args["min_samples"]
    return {"query": args["q"].strip(), "filters": filters, "page_size": args["limit"]}


def _first(values: Any) -> Any:
    return values[0] if values else None


def _result_down(result: dict[str, Any], _params: Params) -> dict[str, Any]:
    return {
        "accession": result["accession"],
        "title": result["title"],
        "summary": result["summary"],
        "organism": _first(result.get("organisms")),
        "platform": _first(result.get("platforms")),
        "sample_count": result.get("sample_count"),
        "series_type": _first(result.get("series_types")),
        "score": result["score"],
    }


def _page_down(search: dict[str, Any], params: Params) -> dict[str, Any]:
    return {
        "query": search["query"],
        "total": search["total"],
        "limit": params["limit"],
        "offset": params["offset"],
        "results": search["results"],
    }


def _nullable_string() -> dict[str, Any]:
    return {"type": "string", "nullable": True}


def _v1_result_schema(_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [
            "accession",
            "title",
            "summary",
            "organism",
            "platform",
            "sample_count",
            "series_type",
            "score",
        ],
        "properties": {
            "accession": {"type": "string"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "organism": _nullable_string(),
            "platform": _nullable_string(),
            "sample_count": {"type": "integer", "nullable": True},
            "series_type": _nullable_string(),
            "score": {"type": "number"},
        },
    }


def _v1_page_schema(_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["query", "total", "limit", "offset", "results"],
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
        },
    }


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


V1_SEARCH_PATH = {
    "get": {
        "operationId": "v1_search",
        "summary": "Synchronous search (deprecated; use POST /api/v2/searches)",
        "deprecated": True,
        "parameters": [{"in": "query", "schema": LegacySearchSchema}],
        "responses": {
            "200": {
                "description": "one page of results",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Search"}}},
            },
            "400": _error("bad request"),
            "410": _error("v1 is past its sunset date and the operator switched it off"),
            "422": _error("invalid parameters"),
            "429": _error("rate limited"),
        },
    }
}

CHANGE = VersionChange(
    title="Searches are asynchronous resources with progress, cursors and every list value",
    why=(
        "A synchronous search held a connection for the whole ranking and could not report "
        "progress; flattening organisms, types and platforms to their first value hid data."
    ),
    migration=(
        '`GET /api/v1/search?q=...` becomes `POST /api/v2/searches` with `{"query": ...}`; '
        "read the result at `links.self` or watch `links.events` (WebSocket).",
        "`limit` becomes `page_size`; `offset` becomes the opaque `next_cursor` "
        "(`GET /api/v2/searches/{id}?cursor=...`).",
        "`organism`, `series_type` (repeatable) and `min_samples` become `filters.organisms`, "
        "`filters.series_types` and `filters.min_samples`; `filters.max_samples` is new.",
        "`results[].organism`, `platform` and `series_type` (the first value) become the lists "
        "`organisms`, `platforms` and `series_types`.",
        "Results gain `overall_design`, `highlights` and `reasons`; the search gains `id`, "
        "`status`, `progress`, `stage`, `facets`, `parsed` and `links`.",
    ),
    requests={"SearchRequest": _request_up},
    responses={"Result": _result_down, "Search": _page_down},
    schemas={"Result": _v1_result_schema, "Search": _v1_page_schema},
    paths={"/api/v1/search": V1_SEARCH_PATH},
)
