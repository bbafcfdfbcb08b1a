"""Version 2 of the HTTP API (asynchronous, canonical): searches and datasets."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from omics.security.roles import Permission
from omics.web.auth import require
from omics.web.errors import ApiError
from omics.web.identity import current_identity
from omics.web.openapi import openapi_document
from omics.web.rate_limits import rate_limited
from omics.web.schemas import PageQuerySchema, SearchRequestSchema, json_body, load_query
from omics.web.state import current_state
from omics.web.stored_searches import owned_search, present
from omics.web.submission import submit

bp = Blueprint("api_v2", __name__, url_prefix="/api/v2")

_search_schema = SearchRequestSchema()
_page_schema = PageQuerySchema()


@bp.post("/searches")
@rate_limited
@require(Permission.SEARCH)
def create_search() -> tuple[Response, int]:
    search_request = _search_schema.load(json_body())
    status, body = submit(search_request, current_identity())
    return jsonify(body), status


@bp.get("/searches/<search_id>")
@require(Permission.SEARCH)
def get_search(search_id: str) -> Response:
    query = load_query(_page_schema, request.args)
    state = owned_search(search_id, current_identity())
    return jsonify(present(state, query["cursor"], query["page_size"]))


@bp.get("/datasets/<accession>")
@require(Permission.DATASETS_READ)
def get_dataset(accession: str) -> Response:
    series = current_state().services.engine.get(accession.strip().upper())
    if series is None:
        raise ApiError(404, f"no series {accession} in the corpus")
    return jsonify(series.to_dict())


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(2))
