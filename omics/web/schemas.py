"""Request schemas (marshmallow): validation by schema, never by blacklists of characters.

Each schema loads straight into the core's types (:class:`omics.search.request.SearchRequest`), so
the v2 blueprint, the v1 transformation and the cache all speak one request type.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import request
from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema
from werkzeug.exceptions import BadRequest

from omics.search.request import SearchFilters, SearchRequest
from omics.search.similarity import MAX_EXAMPLES  # one limit for the API and the engine's example profiles
from omics.web.errors import ApiError

ACCESSION = re.compile(r"^GSE\d{1,9}$")
MAX_QUERY_LENGTH = 1000
MAX_FILTER_VALUES = 20
SORT_ORDERS = ("relevance", "sample_count", "newest")


def _normalise_accession(value: str) -> str:
    return value.strip().upper()


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


class FiltersSchema(Schema):
    class Meta:
        unknown = RAISE

    organisms = fields.List(
        fields.String(validate=validate.Length(1, 200)),
        validate=validate.Length(max=MAX_FILTER_VALUES),
        load_default=list,
    )
    series_types = fields.List(
        fields.String(validate=validate.Length(1, 200)),
        validate=validate.Length(max=MAX_FILTER_VALUES),
        load_default=list,
    )
    min_samples = fields.Integer(strict=True, validate=validate.Range(min=0), load_default=None)
    max_samples = fields.Integer(strict=True, validate=validate.Range(min=0), load_default=None)
    submitted_after = fields.Date(format="%Y-%m-%d", load_default=None)
    submitted_before = fields.Date(format="%Y-%m-%d", load_default=None)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("min_samples"), data.get("max_samples")
        if low is not None and high is not None and low > high:
            raise ValidationError("must not exceed max_samples", "min_samples")
        after, before = data.get("submitted_after"), data.get("submitted_before")
        if after is not None and before is not None and after > before:
            raise ValidationError("must not be later than submitted_before", "submitted_after")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> SearchFilters:
        return SearchFilters(
            organisms=tuple(data["organisms"]),
            series_types=tuple(data["series_types"]),
            min_samples=data["min_samples"],
            max_samples=data["max_samples"],
            submitted_after=_iso(data["submitted_after"]),
            submitted_before=_iso(data["submitted_before"]),
        )


class SearchRequestSchema(Schema):
    """Body of ``POST /api/v2/searches``."""

    class Meta:
        unknown = RAISE

    query = fields.String(validate=validate.Length(max=MAX_QUERY_LENGTH), load_default="")
    similar_to = fields.List(fields.String(), validate=validate.Length(max=MAX_EXAMPLES), load_default=list)
    filters = fields.Nested(FiltersSchema, load_default=SearchFilters)
    sort = fields.String(
        validate=validate.OneOf(["relevance", "sample_count", "newest"]), load_default="relevance"
    )
    page_size = fields.Integer(strict=True, validate=validate.Range(1, 100), load_default=20)

    @validates_schema
    def _something_to_search(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("query", "").strip() and not data.get("similar_to"):
            raise ValidationError("give a query, similar_to accessions, or both", "query")
        malformed = [
            value for value in data.get("similar_to", ()) if not ACCESSION.match(_normalise_accession(value))
        ]
        if malformed:
            raise ValidationError(f"not GEO series accessions: {', '.join(malformed)}", "similar_to")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> SearchRequest:
        examples = tuple(dict.fromkeys(_normalise_accession(value) for value in data["similar_to"]))
        return SearchRequest(
            query=data["query"].strip(),
            similar_to=examples,
            filters=data["filters"],
            sort=data["sort"],
            page_size=data["page_size"],
        )


class OpenApiQuerySchema(Schema):
    """Query string of ``GET /api/v2/openapi.json`` (``version``: a dated version)."""

    class Meta:
        unknown = RAISE

    version = fields.String(validate=validate.Length(1, 10), load_default=None)


class PageQuerySchema(Schema):
    """Query string of ``GET /api/v2/searches/{id}``."""

    class Meta:
        unknown = RAISE

    cursor = fields.String(validate=validate.Length(1, 200), load_default=None)
    page_size = fields.Integer(validate=validate.Range(1, 100), load_default=None)


class EventsQuerySchema(Schema):
    """Query string of the events WebSocket (``after`` is the last seq a client holds)."""

    class Meta:
        unknown = RAISE

    after = fields.Integer(validate=validate.Range(min=0), load_default=0)


def load_query(schema: Schema, args: Any) -> dict[str, Any]:
    """Load a query string (a werkzeug ``MultiDict``): list fields take every value, others one."""
    listed = {name for name, field in schema.fields.items() if isinstance(field, fields.List)}
    raw = {key: (values if key in listed else values[-1]) for key, values in args.to_dict(flat=False).items()}
    loaded: dict[str, Any] = schema.load(raw)  # query-string schemas have no post_load
    return loaded


def json_body() -> Any:
    """The parsed JSON body: 415 unless declared JSON, 400 when it does not parse."""
    if not request.is_json:
        raise ApiError(415, "send the body as application/json")
    try:
        return request.get_json()
    except BadRequest as exc:
        raise ApiError(400, "the body is not valid JSON") from exc
    except RecursionError:  # nested deeper than the parser can go: not a body this API takes
        raise ApiError(400, "the body is nested too deeply") from None
