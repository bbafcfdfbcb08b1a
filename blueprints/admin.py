"""Admin endpoints under ``/api/v2/admin``: the audit log, users' roles, the services' state.

Each needs its own permission (all held by the admin role only), and each admin action is
itself audited. The audit listing pages by sequence number (``after``), and ``format=jsonl``
streams every matching entry as one JSON object a line for archiving or a SIEM.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import select, text

from omics.security import accounts, audit, tokens
from omics.security.database import Database
from omics.security.models import User
from omics.security.roles import ACCOUNT_ROLES, Permission
from omics.web.audit_trail import audit_request
from omics.web.auth import require, require_interactive
from omics.web.discovery import service_instances
from omics.web.errors import ApiError
from omics.web.readiness import readiness
from omics.web.schemas import json_body, load_query
from omics.web.state import current_state

bp = Blueprint("admin", __name__, url_prefix="/api/v2/admin")
_EXPORT_BATCH = 500


class AuditQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    actor = fields.String(validate=validate.Length(max=100))
    action = fields.String(validate=validate.Length(max=64))
    outcome = fields.String(validate=validate.OneOf(["success", "failure", "denied"]))
    ip = fields.String(validate=validate.Length(max=64))
    since = fields.NaiveDateTime()
    until = fields.NaiveDateTime()
    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "jsonl"]))


class RoleChangeSchema(Schema):
    class Meta:
        unknown = RAISE

    role = fields.String(required=True, validate=validate.OneOf([role.value for role in ACCOUNT_ROLES]))


_audit_query = AuditQuerySchema()
_role_change = RoleChangeSchema()


def _audit_filter(query: dict[str, Any]) -> audit.AuditFilter:
    fields_ = ("actor", "action", "outcome", "ip", "since", "until")
    return audit.AuditFilter(
        **{name: query.get(name) for name in fields_}, after_seq=query["after"], limit=query["limit"]
    )


def _jsonl(database: Database, audit_filter: audit.AuditFilter) -> Iterator[str]:
    """Every matching entry, read in batches so an export never holds the whole log."""
    audit_filter.limit = _EXPORT_BATCH
    while True:
        with database.transaction() as session:
            batch = [audit.entry_to_dict(entry) for entry in audit.list_entries(session, audit_filter)]
        yield from (json.dumps(entry) + "\n" for entry in batch)
        if len(batch) < _EXPORT_BATCH:
            return
        audit_filter.after_seq = batch[-1]["seq"]


@bp.get("/audit")
@require(Permission.AUDIT_READ)
def audit_log() -> Response:
    query = load_query(_audit_query, request.args)
    audit_filter = _audit_filter(query)
    audit_request(
        "audit_read",
        "success",
        details={"format": query["format"], "filters": {k: str(v) for k, v in query.items()}},
    )
    if query["format"] == "jsonl":
        database = current_state().security.database
        return Response(
            _jsonl(database, audit_filter),
            mimetype="application/x-ndjson",
            headers={"Content-Disposition": "attachment; filename=audit.jsonl"},
        )
    with current_state().security.database.transaction() as session:
        entries = [audit.entry_to_dict(entry) for entry in audit.list_entries(session, audit_filter)]
    full_page = len(entries) == audit_filter.limit
    return jsonify({"entries": entries, "next_after": entries[-1]["seq"] if full_page else None})


@bp.put("/users/<username>/role")
@require(Permission.USERS_MANAGE)
def change_role(username: str) -> Response:
    """Give an account a new role: with an interactive login only, never with an API key."""
    body = _role_change.load(json_body())
    require_interactive("role changes")
    with current_state().security.database.transaction() as session:
        if accounts.find_user(session, username) is None:
            user = None
        else:
            user, previous = accounts.set_role(session, username, body["role"])
            # tokens carrying the old role stop working
            families = tokens.revoke_user_families(session, user.id, "role_change")
    if user is None:
        details = {"reason": "no_such_user", "to": body["role"]}
        audit_request("role_change", "failure", target=audit.mask(username, 64), details=details)
        raise ApiError(404, "no such user")
    current_state().security.block_families(families)
    audit_request(
        "role_change",
        "success",
        target=username,
        details={"from": previous.value, "to": body["role"], "sessions_revoked": len(families)},
    )
    return jsonify({"username": username, "role": body["role"], "previous_role": previous.value})


@bp.get("/users")
@require(Permission.USERS_MANAGE)
def list_users() -> Response:
    with current_state().security.database.transaction() as session:
        users = [
            {
                "username": user.username,
                "role": user.role,
                "disabled": user.disabled,
                "created_at": user.created_at.isoformat() + "Z",
            }
            for user in session.scalars(select(User).order_by(User.id))
        ]
    audit_request("users_read", "success", details={"count": len(users)})
    return jsonify({"users": users})


def _probe_database() -> str:
    try:
        with current_state().security.database.transaction() as session:
            session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # reported to the admin, whatever the driver raised
        return f"{type(exc).__name__}: {exc}"


@bp.get("/services")
@require(Permission.SERVICES_READ)
def service_state() -> Response:
    verdict = readiness()
    verdict["checks"]["database"] = _probe_database()
    audit_request("services_read", "success")
    return jsonify(
        {**verdict, "database": current_state().security.database.engine.dialect.name, **service_instances()}
    )
