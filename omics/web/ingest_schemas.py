"""Request schemas of ingestion, sagas, saved searches and alerts (marshmallow, loaded to core types).

An ingestion body names exactly one way in: a publication-date window (``since``, optionally
``until``), an accession list, or ``all`` (a full sync); it loads into the saga's parameters.
A saved search's body is a v2 search body plus ``name``, loaded into ``(name, SearchRequest)``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from omics.ingest.saga import ingestion_params
from omics.search.request import SearchRequest
from omics.web.schemas import ACCESSION, SearchRequestSchema

MAX_INGEST_ACCESSIONS = 5000
SAGA_STATUSES = ("running", "completed", "compensating", "compensated", "failed")


class IngestionRequestSchema(Schema):
    """Body of ``POST /api/v2/ingestions``."""

    class Meta:
        unknown = RAISE

    since = fields.Date(format="%Y-%m-%d", load_default=None)
    until = fields.Date(format="%Y-%m-%d", load_default=None)
    accessions = fields.List(
        fields.String(validate=validate.Length(1, 12)),
        validate=validate.Length(1, MAX_INGEST_ACCESSIONS),
        load_default=None,
    )
    all = fields.Boolean(truthy={True}, falsy={False}, load_default=False)  # JSON true/false only

    @validates_schema
    def _one_way_in(self, data: dict[str, Any], **_: Any) -> None:
        ways = [data.get("since") is not None, data.get("accessions") is not None, bool(data.get("all"))]
        if sum(ways) != 1:
            raise ValidationError("give exactly one of since (with optional until), accessions, or all")
        since, until = data.get("since"), data.get("until")
        if until is not None and since is None:
            raise ValidationError("until needs since", "until")
        if since is not None and until is not None and until < since:
            raise ValidationError("must not be earlier than since", "until")
        malformed = [a for a in data.get("accessions") or () if not ACCESSION.match(a.strip().upper())]
        if malformed:
            raise ValidationError(f"not GEO series accessions: {', '.join(malformed[:20])}", "accessions")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        accessions = list(dict.fromkeys(a.strip().upper() for a in data["accessions"] or ()))
        return ingestion_params(data["since"], data["until"], accessions, data["all"])


class SagaListQuerySchema(Schema):
    """Query string of ``GET /api/v2/admin/sagas``."""

    class Meta:
        unknown = RAISE

    kind = fields.String(validate=validate.Length(1, 32), load_default=None)
    status = fields.String(validate=validate.OneOf(SAGA_STATUSES), load_default=None)
    limit = fields.Integer(validate=validate.Range(1, 200), load_default=50)


class SavedSearchRequestSchema(SearchRequestSchema):
    """Body of ``POST /api/v2/saved-searches``: a v2 search body plus ``name``."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(1, 200))

    @validates_schema
    def _named(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("name", "x").strip():
            raise ValidationError("give the saved search a name", "name")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> tuple[str, SearchRequest]:
        name = data.pop("name").strip()
        return name, super()._make(data, **kwargs)


class AlertsQuerySchema(Schema):
    """Query string of ``GET /api/v2/alerts`` (``after``: the last alert id a client holds)."""

    class Meta:
        unknown = RAISE

    after = fields.Integer(validate=validate.Range(min=0), load_default=0)
    limit = fields.Integer(validate=validate.Range(1, 500), load_default=100)
