"""API keys keep the version that was newest when they were made; a header still overrides it."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import update

from omics.api import BUNDLE
from omics.security.database import Database
from omics.security.models import ApiKey
from tests.security.conftest import bearer, login


def _key(client: FlaskClient) -> dict:
    token = login(client, "carol")["access_token"]
    response = client.post("/api/v2/api-keys", json={"name": "pinned"}, headers=bearer(token))
    assert response.status_code == 201
    return response.get_json()


def test_new_key_is_pinned_to_the_newest_version(client: FlaskClient) -> None:
    newest = BUNDLE.dated()[-1].name
    created = _key(client)
    assert created["api_version"] == newest
    pinned = client.get("/api/v2/datasets/GSE53", headers={"X-API-Key": created["key"]})
    assert pinned.headers["OmicsOracle-Version"] == newest
    assert pinned.get_json()["organisms"] == [{"name": "Homo sapiens", "taxon_id": 9606}]
    named = client.get(
        "/api/v2/datasets/GSE53", headers={"X-API-Key": created["key"], "OmicsOracle-Version": "2026-11-29"}
    )
    assert named.headers["OmicsOracle-Version"] == "2026-11-29"
    assert named.get_json()["organisms"] == ["Homo sapiens"]


def test_key_made_before_pinning_keeps_the_first_dated_version(
    client: FlaskClient, accounts_db: Database
) -> None:
    created = _key(client)
    with accounts_db.transaction() as session:  # as the previous release wrote it
        session.execute(
            update(ApiKey).where(ApiKey.id == created["id"]).values(api_version=None, record_format=None)
        )
    response = client.get("/api/v2/datasets/GSE53", headers={"X-API-Key": created["key"]})
    assert response.headers["OmicsOracle-Version"] == "2026-11-29"
    assert response.get_json()["organisms"] == ["Homo sapiens"]


def test_admin_sees_who_calls_which_version(client: FlaskClient) -> None:
    created = _key(client)
    client.get("/api/v1/search?q=asthma&limit=1", headers={"X-API-Key": created["key"]})
    admin = login(client, "root")["access_token"]
    usage = client.get("/api/v2/admin/api-usage", headers=bearer(admin)).get_json()["usage"]
    assert {"version": "1", "client": created["id"], "requests": 1} in usage
    researcher = login(client, "carol")["access_token"]
    assert client.get("/api/v2/admin/api-usage", headers=bearer(researcher)).status_code == 403
