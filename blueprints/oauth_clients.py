"""Admins register, list and delete OAuth2 clients under ``/api/v2/admin/oauth/clients``.

A confidential client's secret is in the creation answer only. Deleting a client stops its
client authentication at once (its refresh tokens become unusable); access tokens it already
holds run out within their 15 minutes. Every change is audited.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from marshmallow import RAISE, Schema, fields, validate

from omics.security.oauth import clients
from omics.security.roles import Permission
from omics.web.audit_trail import audit_request
from omics.web.auth import require
from omics.web.errors import ApiError
from omics.web.schemas import json_body
from omics.web.state import current_state

bp = Blueprint("oauth_clients", __name__, url_prefix="/api/v2/admin/oauth/clients")


class ClientSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    grants = fields.List(fields.String(validate=validate.OneOf(clients.GRANT_TYPES)), required=True)
    scopes = fields.List(fields.String(validate=validate.OneOf(clients.SCOPES)), required=True)
    public = fields.Boolean(load_default=False)
    owner = fields.String(load_default=None, validate=validate.Length(max=64))


_client_schema = ClientSchema()


@bp.post("")
@require(Permission.USERS_MANAGE)
def create() -> tuple[Response, int]:
    body = _client_schema.load(json_body())
    try:
        with current_state().security.database.transaction() as session:
            new = clients.register(
                session,
                body["name"],
                body["grants"],
                body["scopes"],
                public=body["public"],
                owner=body["owner"],
            )
            answer = clients.client_to_dict(new.record)
    except clients.ClientError as error:
        audit_request("client_create", "failure", target=body["name"], details={"reason": str(error)})
        raise ApiError(422, str(error), "invalid_client_registration") from None
    audit_request("client_create", "success", target=answer["client_id"], details=_audited(answer))
    if new.secret is not None:
        answer["client_secret"] = new.secret
    return jsonify(answer), 201


def _audited(client: dict[str, object]) -> dict[str, object]:
    return {key: client[key] for key in ("name", "public", "grants", "scopes", "owner")}


@bp.get("")
@require(Permission.USERS_MANAGE)
def list_all() -> Response:
    with current_state().security.database.transaction() as session:
        return jsonify(
            {"clients": [clients.client_to_dict(record) for record in clients.list_clients(session)]}
        )


@bp.delete("/<client_id>")
@require(Permission.USERS_MANAGE)
def delete(client_id: str) -> Response:
    with current_state().security.database.transaction() as session:
        record = clients.delete_client(session, client_id)
        answer = clients.client_to_dict(record) if record is not None else None
    if answer is None:
        raise ApiError(404, "no such client")
    audit_request("client_delete", "success", target=client_id, details=_audited(answer))
    return jsonify({"client_id": client_id, "status": "deleted"})
