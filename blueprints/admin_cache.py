"""Admin endpoints of the search cache: its numbers, and manual invalidation.

``GET /api/v2/admin/cache/stats``: hits, misses, promotions, evictions, errors and mean latency
per tier, the overall hit ratio, the hottest searches and recommendations, for every process.
``POST /api/v2/admin/cache/invalidate`` with ``{"scope": "query" | "prefix" | "all", "value": str}``
removes entries from every tier of every process. Both need the cache-admin permission (admin
role only); invalidations are audited.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from omics.cache.entry import Selector
from omics.security.roles import Permission
from omics.web.audit_trail import audit_request
from omics.web.auth import require
from omics.web.schemas import json_body, load_query
from omics.web.state import current_state

bp = Blueprint("admin_cache", __name__, url_prefix="/api/v2/admin/cache")


class StatsQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    hottest = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class InvalidateSchema(Schema):
    class Meta:
        unknown = RAISE

    scope = fields.String(required=True, validate=validate.OneOf(["query", "prefix", "all"]))
    value = fields.String(load_default="", validate=validate.Length(max=500))

    @validates_schema
    def _value_when_needed(self, data: dict[str, Any], **_: Any) -> None:
        if data["scope"] != "all" and not data["value"].strip():
            raise ValidationError(f"a {data['scope']} invalidation needs a non-empty value", "value")


_stats_query = StatsQuerySchema()
_invalidate = InvalidateSchema()


@bp.get("/stats")
@require(Permission.CACHE_ADMIN)
def stats() -> Response:
    query = load_query(_stats_query, request.args)
    audit_request("cache_stats_read", "success")
    return jsonify(current_state().cache.stats.snapshot(query["hottest"]))


@bp.post("/invalidate")
@require(Permission.CACHE_ADMIN)
def invalidate() -> Response:
    body = _invalidate.load(json_body())
    selector = Selector.parse(body["scope"], body["value"])
    removed = current_state().cache.invalidate(selector)
    audit_request(
        "cache_invalidate",
        "success",
        target=f"{selector.kind}:{selector.value}",
        details={"removed": removed},
    )
    return jsonify({"scope": selector.kind, "value": selector.value, "removed": removed})
