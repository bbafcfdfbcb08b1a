"""The caller's own API keys under ``/api/v2/api-keys``: create (shown once), list, revoke.

Creating keys needs an interactive login (the ``keys:manage`` permission is never a key
scope), so a leaked key cannot mint more keys. Someone else's key id answers 404.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, jsonify
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy.orm import Session

from omics.security import accounts, api_keys
from omics.security.models import User
from omics.security.roles import Permission
from omics.web.audit_trail import audit_request
from omics.web.auth import require
from omics.web.errors import ApiError
from omics.web.identity import current_identity
from omics.web.schemas import json_body
from omics.web.state import current_state
from omics.web.versioning import bundle

bp = Blueprint("api_keys", __name__, url_prefix="/api/v2/api-keys")


class CreateKeySchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scopes = fields.List(fields.String(validate=validate.Length(max=64)), validate=validate.Length(max=20))
    expires_in_days = fields.Integer(
        load_default=api_keys.DEFAULT_LIFETIME.days,
        validate=validate.Range(min=1, max=api_keys.MAX_LIFETIME_DAYS),
    )


_create_schema = CreateKeySchema()


def _caller(session: Session) -> User:
    user = accounts.find_user(session, current_identity().subject or "")
    if user is None:
        raise ApiError(401, "the account no longer exists", "authentication_required")
    return user


@bp.post("")
@require(Permission.KEYS_MANAGE)
def create_key() -> tuple[Response, int]:
    body = _create_schema.load(json_body())
    with current_state().security.database.transaction() as session:
        try:
            new = api_keys.create_key(
                session,
                _caller(session),
                body["name"],
                body.get("scopes"),
                timedelta(days=body["expires_in_days"]),
                api_version=bundle().head.name,  # the key keeps today's newest version (Stripe's pinning)
                max_live_keys=current_state().settings.security.max_api_keys_per_user,
            )
        except api_keys.ScopeError as error:
            raise ApiError(422, str(error), "invalid_scopes") from None
        except api_keys.KeyLimitReached as error:
            raise ApiError(409, str(error), "too_many_api_keys") from None
        view = api_keys.key_to_dict(new.record)
    audit_request("api_key_create", "success", target=view["id"], details={"scopes": view["scopes"]})
    response = jsonify({**view, "key": new.secret})
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@bp.get("")
@require(Permission.KEYS_MANAGE)
def list_keys() -> Response:
    with current_state().security.database.transaction() as session:
        keys = [api_keys.key_to_dict(record) for record in api_keys.list_keys(session, _caller(session).id)]
    return jsonify({"api_keys": keys})


@bp.delete("/<key_id>")
@require(Permission.KEYS_MANAGE)
def revoke_key(key_id: str) -> tuple[str, int]:
    with current_state().security.database.transaction() as session:
        record = api_keys.revoke_key(session, _caller(session).id, key_id[:32])
    if record is None:
        audit_request("api_key_revoke", "failure", target=key_id[:32], details={"reason": "not_found"})
        raise ApiError(404, "no such API key")
    audit_request("api_key_revoke", "success", target=record.id)
    return "", 204
