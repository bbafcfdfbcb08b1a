"""Ingestion over HTTP: start one (curators and admins), follow it, and list every saga (admins).

``POST /api/v2/ingestions`` records the saga and queues its first step, answering 202 with the
saga id and the same ``links.events`` progress socket a search has (its last event is
``completed``, ``compensated`` or ``failed``); one ingestion runs at a time (409 names it).
``GET /api/v2/ingestions/{id}`` is the saga as stored: steps, counts, error.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from omics.security.roles import Permission
from omics.web.audit_trail import audit_request
from omics.web.auth import require
from omics.web.identity import current_identity
from omics.web.ingest_schemas import IngestionRequestSchema, SagaListQuerySchema
from omics.web.ingestions import current_ingestion, ingestion, present_saga, start
from omics.web.rate_limits import rate_limited
from omics.web.schemas import json_body, load_query
from omics.web.versioning import respond

bp = Blueprint("ingestions", __name__, url_prefix="/api/v2")

_ingestion_schema = IngestionRequestSchema()
_saga_query = SagaListQuerySchema()


@bp.post("/ingestions")
@rate_limited
@require(Permission.CORPUS_CURATE)
def create_ingestion() -> Response:
    params = _ingestion_schema.load(json_body())
    body = start(params, current_identity().subject)
    audit_request("ingestion_started", "success", details={"saga": body["id"], "params": params})
    return respond("IngestionAccepted", body, 202)


@bp.get("/ingestions/<saga_id>")
@require(Permission.CORPUS_CURATE)
def get_ingestion(saga_id: str) -> Response:
    return respond("Ingestion", present_saga(ingestion(saga_id)))


@bp.get("/admin/sagas")
@require(Permission.SAGAS_READ)
def list_sagas() -> Response:
    query = load_query(_saga_query, request.args)
    sagas = current_ingestion().runner.store.recent(
        query["kind"], limit=query["limit"], status=query["status"]
    )
    return respond("SagaList", {"sagas": [present_saga(view) for view in sagas]})
