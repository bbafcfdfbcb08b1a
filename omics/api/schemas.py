"""The HEAD response schemas: what the handlers return, in the newest version's shape.

They document the API (each becomes an OpenAPI component; older versions' components follow
from the changes' schema edits) and tell the version bundle which schemas nest inside which
(:func:`nesting`), so a change declared for ``Result`` reaches results inside a ``Search``.
Dataset records keep fields GEO adds later (``additionalProperties``), as the contract allows.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields


class _Open(Schema):
    """A response that may gain fields (clients must ignore unknown ones)."""

    class Meta:
        additional_properties = True


class OrganismSchema(Schema):
    name = fields.String(required=True)
    taxon_id = fields.Integer(required=True, allow_none=True, metadata={"description": "NCBI Taxonomy id"})


class PlatformSchema(Schema):
    accession = fields.String(required=True, metadata={"description": "GEO platform accession (GPL...)"})
    title = fields.String(required=True, allow_none=True)


class ResultSchema(_Open):
    accession = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    overall_design = fields.String(required=True)
    organisms = fields.List(fields.Nested(OrganismSchema), required=True)
    series_types = fields.List(fields.String(), required=True)
    platforms = fields.List(fields.Nested(PlatformSchema), required=True)
    sample_count = fields.Integer(required=True, allow_none=True)
    score = fields.Float(required=True)
    highlights = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    reasons = fields.List(fields.String(), required=True)
    # Added with ingestion (when GEO made the series public); null where the record has no date.
    submission_date = fields.String(allow_none=True)


class LinksSchema(Schema):
    self = fields.String(required=True)
    events = fields.String(required=True)


class StatusErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class SearchSchema(_Open):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["queued", "running", "completed", "failed"]})
    progress = fields.Integer(required=True)
    stage = fields.String(required=True)
    query = fields.String(required=True)
    similar_to = fields.List(fields.String(), required=True)
    total = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "series matching every concept of the query (null until completed)"},
    )
    total_partial = fields.Integer(
        allow_none=True,
        metadata={"description": "series matching only some concepts, ranked after the full matches"},
    )
    results = fields.List(fields.Nested(ResultSchema), required=True)
    facets = fields.Dict(required=True)
    parsed = fields.Dict(required=True)
    next_cursor = fields.String(required=True, allow_none=True)
    links = fields.Nested(LinksSchema, required=True)
    error = fields.Nested(StatusErrorSchema)


class SearchAcceptedSchema(_Open):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["queued", "running"]})
    links = fields.Nested(LinksSchema, required=True)


class DatasetSchema(_Open):
    accession = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    overall_design = fields.String()
    organisms = fields.List(fields.Nested(OrganismSchema))
    series_types = fields.List(fields.String())
    platforms = fields.List(fields.Nested(PlatformSchema))
    sample_count = fields.Integer()
    gds = fields.List(fields.String())
    is_superseries = fields.Boolean()
    summary_is_truncated = fields.Boolean()
    entrez_uid = fields.String()
    bioproject = fields.String()


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict(required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class EventSchema(_Open):
    """One WebSocket message of a search's event stream."""

    seq = fields.Integer(required=True)
    type = fields.String(required=True, metadata={"enum": ["progress", "completed", "failed"]})
    stage = fields.String(required=True)
    progress = fields.Integer(required=True)
    search = fields.String(required=True)
    emitted_at = fields.Float(required=True)
    detail = fields.Dict()
    total = fields.Integer(allow_none=True)
    total_partial = fields.Integer(allow_none=True)
    error = fields.Nested(StatusErrorSchema)


class SagaStepSchema(Schema):
    name = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"enum": ["pending", "running", "done", "failed", "compensated"]}
    )
    attempts = fields.Integer(required=True)
    error = fields.String(required=True, allow_none=True)
    started_at = fields.String(required=True, allow_none=True)
    finished_at = fields.String(required=True, allow_none=True)


class SagaSchema(_Open):
    """A saga as stored: what it was asked, where each step is, what it counted, why it stopped."""

    id = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(
        required=True,
        metadata={"enum": ["running", "completed", "compensating", "compensated", "failed"]},
    )
    owner = fields.String(required=True, allow_none=True)
    params = fields.Dict(required=True)
    counts = fields.Dict(required=True)
    error = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)
    steps = fields.List(fields.Nested(SagaStepSchema), required=True)


class IngestionSchema(SagaSchema):
    links = fields.Nested(LinksSchema, required=True)


class IngestionAcceptedSchema(_Open):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["running"]})
    links = fields.Nested(LinksSchema, required=True)


class SagaListSchema(Schema):
    sagas = fields.List(fields.Nested(SagaSchema), required=True)


class SearchFiltersViewSchema(_Open):
    organisms = fields.List(fields.String(), required=True)
    series_types = fields.List(fields.String(), required=True)
    min_samples = fields.Integer(required=True, allow_none=True)
    max_samples = fields.Integer(required=True, allow_none=True)
    submitted_after = fields.String(required=True, allow_none=True)
    submitted_before = fields.String(required=True, allow_none=True)


class SavedSearchSchema(_Open):
    id = fields.String(required=True)
    name = fields.String(required=True)
    query = fields.String(required=True)
    similar_to = fields.List(fields.String(), required=True)
    filters = fields.Nested(SearchFiltersViewSchema, required=True)
    sort = fields.String(required=True)
    page_size = fields.Integer(required=True)
    created_at = fields.String(required=True)


class SavedSearchListSchema(Schema):
    saved_searches = fields.List(fields.Nested(SavedSearchSchema), required=True)


class AlertSchema(_Open):
    """A new series matching a saved search (also a message on the user's ``/api/v2/events``)."""

    type = fields.String(required=True, metadata={"enum": ["alert"]})
    id = fields.Integer(required=True)
    saved_search_id = fields.String(required=True)
    accession = fields.String(required=True)
    title = fields.String(required=True)
    created_at = fields.String(required=True)


class AlertListSchema(Schema):
    alerts = fields.List(fields.Nested(AlertSchema), required=True)
    next_after = fields.Integer(required=True, metadata={"description": "pass as ?after= for newer alerts"})


HEAD_SCHEMAS: dict[str, type[Schema]] = {
    "Organism": OrganismSchema,
    "Platform": PlatformSchema,
    "Result": ResultSchema,
    "Links": LinksSchema,
    "StatusError": StatusErrorSchema,
    "Search": SearchSchema,
    "SearchAccepted": SearchAcceptedSchema,
    "Dataset": DatasetSchema,
    "ErrorBody": ErrorBodySchema,
    "Error": ErrorSchema,
    "Event": EventSchema,
    "SagaStep": SagaStepSchema,
    "Saga": SagaSchema,
    "Ingestion": IngestionSchema,
    "IngestionAccepted": IngestionAcceptedSchema,
    "SagaList": SagaListSchema,
    "SearchFiltersView": SearchFiltersViewSchema,
    "SavedSearch": SavedSearchSchema,
    "SavedSearchList": SavedSearchListSchema,
    "Alert": AlertSchema,
    "AlertList": AlertListSchema,
}


def _nested_schema(field: Any) -> type[Schema] | None:
    inner = field.inner if isinstance(field, fields.List) else field
    if isinstance(inner, fields.Nested) and isinstance(inner.nested, type):
        return inner.nested
    return None


def nesting() -> dict[str, dict[str, str]]:
    """For each schema, the fields that hold another named schema (one object or a list)."""
    names = {schema: name for name, schema in HEAD_SCHEMAS.items()}
    found: dict[str, dict[str, str]] = {}
    for name, schema in HEAD_SCHEMAS.items():
        for field_name, field in schema._declared_fields.items():
            inner = _nested_schema(field)
            if inner is not None and inner in names:
                found.setdefault(name, {})[field_name] = names[inner]
    return found
