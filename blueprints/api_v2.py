"""Version 2 of the HTTP API (asynchronous, canonical): searches and datasets.

Views build HEAD bodies and hand them to ``respond``, which converts them to the dated version
the request speaks (``OmicsOracle-Version``, the API key's pin, or 2026-11-29).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from omics.search.presentation import with_references
from omics.security.roles import Permission
from omics.web.auth import require
from omics.web.errors import ApiError
from omics.web.identity import current_identity
from omics.web.openapi import openapi_document
from omics.web.rate_limits import rate_limited
from omics.web.schemas import OpenApiQuerySchema, PageQuerySchema, SearchRequestSchema, json_body, load_query
from omics.web.state import current_state
from omics.web.stored_searches import head_search, owned_search, present
from omics.web.submission import submit
from omics.web.versioning import request_version, respond, version_named

bp = Blueprint("api_v2", __name__, url_prefix="/api/v2")

_search_schema = SearchRequestSchema()
_page_schema = PageQuerySchema()
_openapi_schema = OpenApiQuerySchema()


@bp.post("/searches")
@rate_limited
@require(Permission.SEARCH)
def create_search() -> Response:
    search_request = _search_schema.load(json_body())
    status, body = submit(search_request, current_identity())
    if status == 200:
        return respond("Search", head_search(body))
    return respond("SearchAccepted", body, status)


@bp.get("/searches/<search_id>")
@require(Permission.SEARCH)
def get_search(search_id: str) -> Response:
    query = load_query(_page_schema, request.args)
    state = owned_search(search_id, current_identity())
    return respond("Search", head_search(present(state, query["cursor"], query["page_size"])))


@bp.get("/datasets/<accession>")
@require(Permission.DATASETS_READ)
def get_dataset(accession: str) -> Response:
    series = current_state().services.engine.get(accession.strip().upper())
    if series is None:
        raise ApiError(404, f"no series {accession} in the corpus")
    return respond("Dataset", with_references(series.to_dict(), series))


@bp.get("/openapi.json")
def openapi() -> Response:
    """The document of ``?version=`` or else of the version the request speaks."""
    named = load_query(_openapi_schema, request.args)["version"]
    version = version_named(named) if named else request_version()
    return jsonify(openapi_document(version.name))
