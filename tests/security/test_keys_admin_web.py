"""API keys, roles on admin endpoints, the audit endpoint and export, and rate limits."""

from __future__ import annotations

import json
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from omics.security import api_keys
from omics.security.database import Database
from omics.security.models import User
from tests.security.conftest import ANONYMOUS_LIMIT, PASSWORD, audit_rows, audit_text, bearer, login


def _new_key(client: FlaskClient, token: str, **body: object) -> dict:
    response = client.post("/api/v2/api-keys", json={"name": "script", **body}, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_api_key_shown_once_and_accepted_like_a_token(client: FlaskClient, accounts_db: Database) -> None:
    token = login(client, "alice")["access_token"]
    created = _new_key(client, token, scopes=["search", "datasets:read"])
    assert created["key"].startswith("omk_") and created["id"].startswith("key_")
    listed = client.get("/api/v2/api-keys", headers=bearer(token)).get_json()["api_keys"]
    assert [key["id"] for key in listed] == [created["id"]]
    assert "key" not in listed[0] and created["key"] not in json.dumps(listed)
    me = client.get("/api/v2/auth/me", headers={"X-API-Key": created["key"]}).get_json()
    assert me["subject"] == "alice" and me["method"] == "api_key"
    assert sorted(me["permissions"]) == ["datasets:read", "search"]
    used = client.get("/api/v2/api-keys", headers=bearer(token)).get_json()["api_keys"][0]
    assert used["last_used_at"] is not None and used["last_used_ip"].startswith("198.51.100.")
    assert created["key"] not in audit_text(accounts_db)
    assert audit_rows(accounts_db, "api_key_create")[-1]["target"] == created["id"]


def test_revoked_key_rejected(client: FlaskClient, accounts_db: Database) -> None:
    token = login(client, "alice")["access_token"]
    created = _new_key(client, token)
    assert client.delete(f"/api/v2/api-keys/{created['id']}", headers=bearer(token)).status_code == 204
    response = client.get("/api/v2/auth/me", headers={"X-API-Key": created["key"]})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_api_key"
    assert audit_rows(accounts_db, "api_key_rejected")[-1]["details"]["reason"] == "revoked"


def test_expired_and_unknown_keys_rejected(client: FlaskClient, accounts_db: Database) -> None:
    with accounts_db.transaction() as session:
        alice = session.scalar(select(User).where(User.username == "alice"))
        expired = api_keys.create_key(session, alice, "old", None, lifetime=timedelta(seconds=-1)).secret
    for key in (expired, "omk_" + "x" * 43, "sk_live_nonsense"):
        response = client.get("/api/v2/auth/me", headers={"X-API-Key": key})
        assert response.status_code == 401
    assert "expired" in {row["details"]["reason"] for row in audit_rows(accounts_db, "api_key_rejected")}
    assert expired not in audit_text(accounts_db)


def test_someone_elses_key_cannot_be_revoked(client: FlaskClient) -> None:
    alice_key = _new_key(client, login(client, "alice")["access_token"])
    bob = login(client, "bob")["access_token"]
    assert client.delete(f"/api/v2/api-keys/{alice_key['id']}", headers=bearer(bob)).status_code == 404
    assert client.get("/api/v2/auth/me", headers={"X-API-Key": alice_key["key"]}).status_code == 200


def test_key_cannot_mint_keys_or_exceed_role(client: FlaskClient) -> None:
    token = login(client, "alice")["access_token"]
    key = _new_key(client, token)["key"]
    assert client.post("/api/v2/api-keys", json={"name": "x"}, headers={"X-API-Key": key}).status_code == 403
    for scopes in (["admin:audit"], ["keys:manage"], ["nonsense"]):
        response = client.post(
            "/api/v2/api-keys", json={"name": "x", "scopes": scopes}, headers=bearer(token)
        )
        assert response.status_code == 422, scopes
    bad = client.post(
        "/api/v2/api-keys", json={"name": "x", "expires_in_days": 10_000}, headers=bearer(token)
    )
    assert bad.status_code == 422
    assert client.post("/api/v2/api-keys", json={"name": "x"}).status_code == 401


def test_researcher_on_admin_endpoints_is_403_and_audited(client: FlaskClient, accounts_db: Database) -> None:
    token = login(client, "alice")["access_token"]
    for method, path in (
        ("get", "/api/v2/admin/audit"),
        ("get", "/api/v2/admin/services"),
        ("put", "/api/v2/admin/users/bob/role"),
        ("get", "/api/v2/admin/users"),
    ):
        response = getattr(client, method)(path, headers=bearer(token), json={"role": "admin"})
        assert response.status_code == 403, path
        assert client.open(path, method=method.upper()).status_code == 401
    denials = audit_rows(accounts_db, "permission_denied")
    assert denials[-1]["actor"] == "alice" and denials[-1]["details"]["permission"] == "admin:users"


def test_admin_audit_listing_filters_and_jsonl_export(client: FlaskClient, accounts_db: Database) -> None:
    client.post("/api/v2/auth/login", json={"username": "carol", "password": "wrong password!"})
    admin = bearer(login(client, "root")["access_token"])
    listing = client.get("/api/v2/admin/audit?action=login&outcome=failure&actor=anonymous", headers=admin)
    assert listing.status_code == 200
    entries = listing.get_json()["entries"]
    assert entries and all(e["action"] == "login" and e["outcome"] == "failure" for e in entries)
    assert "carol" in {entry["target"] for entry in entries}
    page = client.get("/api/v2/admin/audit?limit=2", headers=admin).get_json()
    assert len(page["entries"]) == 2 and page["next_after"] == page["entries"][-1]["seq"]
    export = client.get("/api/v2/admin/audit?format=jsonl&action=login", headers=admin)
    assert export.status_code == 200 and export.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    assert lines and {line["action"] for line in lines} == {"login"}
    assert [line["seq"] for line in lines] == sorted(line["seq"] for line in lines)
    for bad in ("limit=0", "limit=abc", "since=yesterday", "outcome=maybe", "format=xml", "nope=1"):
        assert client.get(f"/api/v2/admin/audit?{bad}", headers=admin).status_code in (400, 422), bad
    assert audit_rows(accounts_db, "audit_read")[-1]["actor"] == "root"


def test_admin_changes_role_and_old_tokens_stop(client: FlaskClient, accounts_db: Database) -> None:
    admin = bearer(login(client, "root")["access_token"])
    old = login(client, "bob")
    response = client.put("/api/v2/admin/users/bob/role", json={"role": "curator"}, headers=admin)
    assert response.get_json() == {"username": "bob", "role": "curator", "previous_role": "researcher"}
    assert client.get("/api/v2/auth/me", headers=bearer(old["access_token"])).status_code == 401
    me = client.get("/api/v2/auth/me", headers=bearer(login(client, "bob")["access_token"])).get_json()
    assert me["role"] == "curator"
    change = audit_rows(accounts_db, "role_change")[-1]
    assert change["actor"] == "root" and change["target"] == "bob" and change["details"]["to"] == "curator"
    unknown = client.put("/api/v2/admin/users/nobody/role", json={"role": "curator"}, headers=admin)
    assert unknown.status_code == 404
    for body in ({"role": "anonymous"}, {"role": "god"}, {}):
        assert client.put("/api/v2/admin/users/bob/role", json=body, headers=admin).status_code == 422
    client.put("/api/v2/admin/users/bob/role", json={"role": "researcher"}, headers=admin)


def test_admin_services(client: FlaskClient) -> None:
    admin = bearer(login(client, "root")["access_token"])
    body = client.get("/api/v2/admin/services", headers=admin).get_json()
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"] == "ok"
    assert isinstance(body["instances"], list) and isinstance(body["history"], list)


def test_flood_of_logins_from_one_address_gets_429(client: FlaskClient, accounts_db: Database) -> None:
    statuses = [
        client.post("/api/v2/auth/login", json={"username": "alice", "password": "guess"}).status_code
        for _ in range(ANONYMOUS_LIMIT + 2)
    ]
    assert statuses[:ANONYMOUS_LIMIT] == [401] * ANONYMOUS_LIMIT and statuses[-1] == 429
    response = client.post("/api/v2/auth/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert audit_rows(accounts_db, "rate_limited")


def test_flood_of_anonymous_searches_gets_429_but_users_have_their_own_budget(client: FlaskClient) -> None:
    for _ in range(ANONYMOUS_LIMIT):
        assert client.post("/api/v2/searches", json={"query": ""}).status_code == 422
    flooded = client.post("/api/v2/searches", json={"query": "breast cancer"})
    assert flooded.status_code == 429 and "Retry-After" in flooded.headers
    token = login_from_other_address(client)
    assert client.post("/api/v2/searches", json={"query": ""}, headers=bearer(token)).status_code == 422


def login_from_other_address(client: FlaskClient) -> str:
    address = client.environ_base["REMOTE_ADDR"]
    client.environ_base["REMOTE_ADDR"] = "192.0.2.250"
    try:
        return login(client, "carol")["access_token"]
    finally:
        client.environ_base["REMOTE_ADDR"] = address


def test_key_scopes_bound_what_it_may_do(client: FlaskClient) -> None:
    """A key made for reading datasets cannot start or read searches, though anonymous callers can."""
    token = login(client, "alice")["access_token"]
    reader = {"X-API-Key": _new_key(client, token, scopes=["datasets:read"])["key"]}
    assert client.get("/api/v2/datasets/GSE61", headers=reader).status_code == 200
    refused = client.post("/api/v2/searches", json={"query": "asthma"}, headers=reader)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/search?q=asthma", headers=reader).status_code == 403


def test_keys_per_user_are_capped(client: FlaskClient, accounts_db: Database, secure_app: object) -> None:
    from omics.security import accounts
    from omics.web.state import state_of

    cap = state_of(secure_app).settings.security.max_api_keys_per_user  # type: ignore[arg-type]
    with accounts_db.transaction() as session:
        accounts.create_user(session, "keyholder", PASSWORD, "researcher")
    token = login(client, "keyholder")["access_token"]
    created = [_new_key(client, token)["id"] for _ in range(cap)]
    refused = client.post("/api/v2/api-keys", json={"name": "one too many"}, headers=bearer(token))
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "too_many_api_keys"
    assert client.delete(f"/api/v2/api-keys/{created[0]}", headers=bearer(token)).status_code == 204
    assert _new_key(client, token)["id"]  # a revoked key makes room again
