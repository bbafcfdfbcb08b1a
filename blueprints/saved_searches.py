"""Saved searches (owner only) and the alerts an ingestion raises for them.

``/api/v2/saved-searches``: a v2 search body plus ``name``; someone else's saved search answers
404 like a missing one. When an ingestion publishes new series, its notify step runs every
saved search over those series alone and records an alert per match: listed at
``/api/v2/alerts`` (``?after=<last id>``) and pushed on the owner's ``/api/v2/events`` socket.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from omics.alerts import TooManySavedSearches
from omics.security.roles import Permission
from omics.web.auth import require
from omics.web.errors import ApiError
from omics.web.identity import current_identity
from omics.web.ingest_schemas import AlertsQuerySchema, SavedSearchRequestSchema
from omics.web.ingestions import current_ingestion
from omics.web.schemas import json_body, load_query
from omics.web.submission import check_examples
from omics.web.versioning import respond

bp = Blueprint("saved_searches", __name__, url_prefix="/api/v2")

_saved_schema = SavedSearchRequestSchema()
_alerts_query = AlertsQuerySchema()


def _owner() -> str:
    return current_identity().subject or ""


@bp.get("/saved-searches")
@require(Permission.WORKSPACE)
def list_saved() -> Response:
    saved = current_ingestion().alerts.saved(_owner())
    return respond("SavedSearchList", {"saved_searches": [s.to_dict() for s in saved]})


@bp.post("/saved-searches")
@require(Permission.WORKSPACE)
def create_saved() -> Response:
    name, search_request = _saved_schema.load(json_body())
    check_examples(search_request)
    try:
        saved = current_ingestion().alerts.save(_owner(), name, search_request)
    except TooManySavedSearches as error:
        raise ApiError(409, str(error), "too_many_saved_searches") from None
    return respond("SavedSearch", saved.to_dict(), 201)


@bp.get("/saved-searches/<saved_id>")
@require(Permission.WORKSPACE)
def get_saved(saved_id: str) -> Response:
    saved = current_ingestion().alerts.get(saved_id[:32], _owner())
    if saved is None:
        raise ApiError(404, "no such saved search")
    return respond("SavedSearch", saved.to_dict())


@bp.delete("/saved-searches/<saved_id>")
@require(Permission.WORKSPACE)
def delete_saved(saved_id: str) -> tuple[str, int]:
    if not current_ingestion().alerts.delete(saved_id[:32], _owner()):
        raise ApiError(404, "no such saved search")
    return "", 204


@bp.get("/alerts")
@require(Permission.WORKSPACE)
def list_alerts() -> Response:
    query = load_query(_alerts_query, request.args)
    alerts = current_ingestion().alerts.alerts(_owner(), query["after"], query["limit"])
    last = alerts[-1]["id"] if alerts else query["after"]
    return respond("AlertList", {"alerts": alerts, "next_after": last})
