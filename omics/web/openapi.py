"""OpenAPI 3 documents of every API version, generated from the HEAD schemas and the changes.

One HEAD document is built once by apispec from the marshmallow schemas the endpoints validate
with (requests) and respond with (``omics.api.schemas``), plus the operations only older
versions have (the changes' ``paths``); ``omics.api.version_document`` derives each version's
document from it, so no document can drift from what its version serves.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from omics.api import version_document
from omics.api.schemas import HEAD_SCHEMAS
from omics.security.oauth.clients import SCOPES
from omics.web.ingest_schemas import (
    AlertsQuerySchema,
    IngestionRequestSchema,
    SagaListQuerySchema,
    SavedSearchRequestSchema,
)
from omics.web.schemas import EventsQuerySchema, OpenApiQuerySchema, PageQuerySchema, SearchRequestSchema
from omics.web.versioning import bundle


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"schema": schema or {"type": "object"}}
    return {"description": description, "content": {"application/json": body}}


# Any request may be refused with 429 once its address has failed authentication too often
# (omics.web.auth_failures checks that before anything else).
_ALWAYS = (429,)


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): _json("error", _ref("Error")) for status in sorted({*statuses, *_ALWAYS})}


def _path_param(name: str) -> dict[str, Any]:
    return {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}


def _body(schema: Any) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_AUTHENTICATED = (400, 401, 403, 404, 429)
_GONE = (
    "A search this service issued that Redis no longer holds (lost with Redis's data, or expired) "
    "answers 410 with error code `search_gone`: submit the same search again. An id never issued: 404."
)
_OBJECT = {"type": "object"}


def _search_paths(spec: APISpec) -> None:
    spec.path(
        "/api/v2/searches",
        operations={
            "post": {
                "operationId": "create_search",
                "summary": "Start a search (asynchronous)",
                "requestBody": _body("SearchRequest"),
                "responses": {
                    "202": _json("queued: id and links (self, events)", _ref("SearchAccepted")),
                    "200": _json("completed search served from cache", _ref("Search")),
                    **_errors(*_AUTHENTICATED, 413, 415, 422, 503),
                },
            }
        },
    )
    spec.path(
        "/api/v2/searches/{id}",
        operations={
            "get": {
                "operationId": "get_search",
                "summary": "A search's status, progress and one page of results",
                "description": _GONE,
                "parameters": [_path_param("id"), {"in": "query", "schema": PageQuerySchema}],
                "responses": {
                    "200": _json("the search", _ref("Search")),
                    **_errors(*_AUTHENTICATED, 410, 503),
                },
            }
        },
    )
    spec.path(
        "/api/v2/searches/{id}/events",
        operations={
            "get": {
                "operationId": "watch_search",
                "summary": "WebSocket of progress events (seq 1, 2, 3...; last is completed or failed)",
                "description": "Each message is an `Event` (components), converted to the caller's version. "
                + _GONE
                + " A socket open when that happens is closed with code 4410, reason `search_gone: ...`.",
                "parameters": [_path_param("id"), {"in": "query", "schema": EventsQuerySchema}],
                "responses": {
                    "101": {"description": "switching to WebSocket; messages are Event objects"},
                    **_errors(*_AUTHENTICATED, 410, 503),
                },
            }
        },
    )
    spec.path(
        "/api/v2/datasets/{accession}",
        operations={
            "get": {
                "operationId": "get_dataset",
                "summary": "The full record of one GEO series",
                "parameters": [_path_param("accession")],
                "responses": {"200": _json("the series", _ref("Dataset")), **_errors(*_AUTHENTICATED)},
            }
        },
    )
    spec.path(
        "/api/v2/openapi.json",
        operations={
            "get": {
                "operationId": "openapi",
                "summary": "This document, for the version named by ?version= or the request's",
                "parameters": [{"in": "query", "schema": OpenApiQuerySchema}],
                "responses": {"200": _json("an OpenAPI 3 document"), **_errors(400, 422)},
            }
        },
    )


def _security_schemes(spec: APISpec) -> None:
    """Swagger UI's "Authorize": OAuth2 password and client-credentials flows against ``/oauth/token``
    (relative, so same-origin wherever the API is served), or a bearer token, or an API key."""
    scopes = {scope: f"the {scope} permission" for scope in SCOPES}
    token_url = "/oauth/token"
    spec.components.security_scheme(
        "oauth2",
        {
            "type": "oauth2",
            "flows": {
                "password": {"tokenUrl": token_url, "refreshUrl": token_url, "scopes": scopes},
                "clientCredentials": {"tokenUrl": token_url, "scopes": scopes},
            },
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.security_scheme("apiKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"})


_CREDENTIALS = {  # blueprints.auth.LoginSchema
    "type": "object",
    "required": ["username", "password"],
    "additionalProperties": False,
    "properties": {
        "username": {"type": "string", "minLength": 1, "maxLength": 64},
        "password": {"type": "string", "minLength": 1, "maxLength": 1024},
        "cookie": {"type": "boolean"},
    },
}
_NEW_KEY = {  # blueprints.api_keys.CreateKeySchema
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "scopes": {"type": "array", "items": {"type": "string"}},
        "expires_in_days": {"type": "integer", "minimum": 1},
    },
}


def _account_paths(spec: APISpec) -> None:
    spec.path(
        "/api/v2/auth/login",
        operations={
            "post": {
                "operationId": "login",
                "summary": "Sign in: an access and a refresh token",
                "requestBody": _body(_CREDENTIALS),
                "responses": {"200": _json("the token pair"), **_errors(400, 401, 415, 422, 429)},
            }
        },
    )
    for name, summary in (("refresh", "Rotate the refresh token"), ("logout", "Revoke the presented tokens")):
        spec.path(
            f"/api/v2/auth/{name}",
            operations={
                "post": {
                    "operationId": name,
                    "summary": summary,
                    "responses": {"200": _json(summary), **_errors(400, 401, 403, 422)},
                }
            },
        )
    spec.path(
        "/api/v2/auth/me",
        operations={
            "get": {
                "operationId": "me",
                "summary": "Who is calling",
                "responses": {"200": _json("the caller")},
            }
        },
    )
    spec.path(
        "/api/v2/api-keys",
        operations={
            "post": {
                "operationId": "create_api_key",
                "summary": "Create an API key (shown once; pinned to the newest API version)",
                "requestBody": _body(_NEW_KEY),
                "responses": {"201": _json("the key"), **_errors(*_AUTHENTICATED, 415, 422)},
            },
            "get": {
                "operationId": "list_api_keys",
                "summary": "The caller's API keys",
                "responses": {"200": _json("the keys"), **_errors(401, 403)},
            },
        },
    )
    spec.path(
        "/api/v2/api-keys/{id}",
        operations={
            "delete": {
                "operationId": "revoke_api_key",
                "summary": "Revoke one of the caller's keys",
                "parameters": [_path_param("id")],
                "responses": {"204": {"description": "revoked"}, **_errors(401, 403, 404)},
            }
        },
    )


_ADMIN = (
    ("/api/v2/admin/audit", "get", "admin_audit", "The audit log"),
    ("/api/v2/admin/users", "get", "admin_users", "Every account and its role"),
    ("/api/v2/admin/users/{username}/role", "put", "admin_change_role", "Change an account's role"),
    ("/api/v2/admin/services", "get", "admin_services", "Readiness of Redis, the index and the workers"),
    ("/api/v2/admin/cache/stats", "get", "admin_cache_stats", "Cache hit rates per tier"),
    ("/api/v2/admin/cache/invalidate", "post", "admin_cache_invalidate", "Drop cached searches"),
    ("/api/v2/admin/api-usage", "get", "admin_api_usage", "Requests per API version and client"),
)


def _admin_paths(spec: APISpec) -> None:
    for path, method, operation_id, summary in _ADMIN:
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "summary": summary + " (admin role)",
            "responses": {"200": _json(summary), **_errors(400, 401, 403, 404, 415, 422)},
        }
        if "{username}" in path:
            operation["parameters"] = [_path_param("username")]
        if method in ("put", "post"):
            operation["requestBody"] = _body(_OBJECT)
        spec.path(path, operations={method: operation})


def _ingestion_paths(spec: APISpec) -> None:
    """Ingestion (curators and admins), sagas (admins), saved searches, alerts and the user channel."""
    socket = {"101": {"description": "switching to WebSocket; messages are JSON events (seq 1, 2, 3...)"}}
    events_query = {"in": "query", "schema": EventsQuerySchema}
    operations: dict[str, dict[str, Any]] = {
        "/api/v2/ingestions": {
            "post": {
                "operationId": "create_ingestion",
                "summary": "Bring GEO series in from NCBI (curator or admin): since/until, accessions or all",
                "requestBody": _body("IngestionRequest"),
                "responses": {
                    "202": _json("started: saga id, status running, links", _ref("IngestionAccepted")),
                    **_errors(*_AUTHENTICATED, 409, 413, 415, 422, 503),
                },
            }
        },
        "/api/v2/ingestions/{id}": {
            "get": {
                "operationId": "get_ingestion",
                "summary": "An ingestion: status, steps, counts, error",
                "parameters": [_path_param("id")],
                "responses": {"200": _json("the saga", _ref("Ingestion")), **_errors(*_AUTHENTICATED, 503)},
            }
        },
        "/api/v2/ingestions/{id}/events": {
            "get": {
                "operationId": "watch_ingestion",
                "summary": "WebSocket of an ingestion's progress (last: completed, compensated or failed)",
                "description": "410 `events_gone` once an ended ingestion's events have expired.",
                "parameters": [_path_param("id"), events_query],
                "responses": {**socket, **_errors(*_AUTHENTICATED, 410)},
            }
        },
        "/api/v2/admin/sagas": {
            "get": {
                "operationId": "admin_sagas",
                "summary": "Every saga, newest first (admin role)",
                "parameters": [{"in": "query", "schema": SagaListQuerySchema}],
                "responses": {"200": _json("the sagas", _ref("SagaList")), **_errors(*_AUTHENTICATED, 503)},
            }
        },
        "/api/v2/saved-searches": {
            "get": {
                "operationId": "list_saved_searches",
                "summary": "The caller's saved searches",
                "responses": {"200": _json("the list", _ref("SavedSearchList")), **_errors(401, 403, 503)},
            },
            "post": {
                "operationId": "create_saved_search",
                "summary": "Save a search (a v2 search body plus name): alerts when ingestions bring matches",
                "requestBody": _body("SavedSearchRequest"),
                "responses": {
                    "201": _json("saved", _ref("SavedSearch")),
                    **_errors(*_AUTHENTICATED, 409, 413, 415, 422, 503),
                },
            },
        },
        "/api/v2/saved-searches/{id}": {
            "get": {
                "operationId": "get_saved_search",
                "summary": "One of the caller's saved searches",
                "parameters": [_path_param("id")],
                "responses": {
                    "200": _json("the saved search", _ref("SavedSearch")),
                    **_errors(*_AUTHENTICATED),
                },
            },
            "delete": {
                "operationId": "delete_saved_search",
                "summary": "Delete one of the caller's saved searches (and its alerts)",
                "parameters": [_path_param("id")],
                "responses": {"204": {"description": "deleted"}, **_errors(*_AUTHENTICATED)},
            },
        },
        "/api/v2/alerts": {
            "get": {
                "operationId": "list_alerts",
                "summary": "The caller's alerts, oldest first, after ?after=<alert id>",
                "parameters": [{"in": "query", "schema": AlertsQuerySchema}],
                "responses": {"200": _json("the alerts", _ref("AlertList")), **_errors(*_AUTHENTICATED, 503)},
            }
        },
        "/api/v2/events": {
            "get": {
                "operationId": "watch_user_channel",
                "summary": "WebSocket of the signed-in user's alerts (type alert), resumable with ?after=",
                "parameters": [events_query],
                "responses": {**socket, **_errors(*_AUTHENTICATED)},
            }
        },
    }
    for path, methods in operations.items():
        spec.path(path, operations=methods)


@cache
def head_document() -> dict[str, Any]:
    """Every operation of every version, with the HEAD components."""
    spec = APISpec(
        title="OmicsOracle", version="HEAD", openapi_version="3.0.3", plugins=[MarshmallowPlugin()]
    )
    for name, schema in HEAD_SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    spec.components.schema("SearchRequest", schema=SearchRequestSchema)
    spec.components.schema("IngestionRequest", schema=IngestionRequestSchema)
    spec.components.schema("SavedSearchRequest", schema=SavedSearchRequestSchema)
    _security_schemes(spec)
    _search_paths(spec)
    _account_paths(spec)
    _admin_paths(spec)
    _ingestion_paths(spec)
    for version in bundle().versions:
        for change in version.changes:
            for path, operations in change.paths.items():
                spec.path(path, operations=operations)
    return spec.to_dict()


def openapi_document(version_name: str) -> dict[str, Any]:
    """The OpenAPI document of one version (``"1"`` or a date)."""
    versions = bundle()
    return version_document(versions, versions.parse(version_name), head_document())
