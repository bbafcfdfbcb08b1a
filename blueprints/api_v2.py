"""Version 2 of the HTTP API (asynchronous, canonical): searches and datasets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import BadRequest

from omics.security.roles import Permission
from omics.web.auth import require
from omics.web.errors import ApiError
from omics.web.identity import current_identity
from omics.web.openapi import openapi_document
from omics.web.schemas import PageQuerySchema, SearchRequestSchema, load_query
from omics.web.search_cache import submit_cached
from omics.web.searches import owned_search, present
from omics.web.services import services

bp = Blueprint("api_v2", __name__, url_prefix="/api/v2")

_search_schema = SearchRequestSchema()
_page_schema = PageQuerySchema()


def json_body() -> Any:
    """The parsed JSON body: 415 unless declared JSON, 400 when it does not parse."""
    if not request.is_json:
        raise ApiError(415, "send the body as application/json")
    try:
        return request.get_json()
    except BadRequest as exc:
        raise ApiError(400, "the body is not valid JSON") from exc


@bp.post("/searches")
@require(Permission.SEARCH)
def create_search() -> tuple[Response, int]:
    search_request = _search_schema.load(json_body())
    status, body = submit_cached(search_request, current_identity())
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
    series = services().engine.get(accession.strip().upper())
    if series is None:
        raise ApiError(404, f"no series {accession} in the corpus")
    return jsonify(series.to_dict())


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(2))
