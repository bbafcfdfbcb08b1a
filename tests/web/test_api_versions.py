"""Dated versions over HTTP: the default, the header, the newest shape, v1's headers and sunset."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from omics.config import ApiSettings

NEWEST = "2026-11-30"


def test_no_header_is_answered_as_the_first_dated_version(client: Any) -> None:
    response = client.get("/api/v2/datasets/GSE53")
    assert response.status_code == 200
    assert response.headers["OmicsOracle-Version"] == "2026-11-29"
    body = response.get_json()
    assert body["organisms"] == ["Homo sapiens"] and body["platforms"] == ["GPL170"]


def test_newest_version_gives_organisms_with_taxon_ids(client: Any) -> None:
    response = client.get("/api/v2/datasets/GSE105845", headers={"OmicsOracle-Version": NEWEST})
    assert response.headers["OmicsOracle-Version"] == NEWEST
    body = response.get_json()
    assert body["organisms"] == [{"name": "Mus musculus", "taxon_id": 10090}]
    assert body["platforms"] == [{"accession": "GPL13112", "title": "Illumina HiSeq 2000 (Mus musculus)"}]


def test_unknown_version_is_a_clear_400(client: Any) -> None:
    response = client.get("/api/v2/datasets/GSE53", headers={"OmicsOracle-Version": "2019-01-01"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "unknown_api_version" and "2026-11-29" in error["details"]["known"]
    v1_by_header = client.get("/api/v2/datasets/GSE53", headers={"OmicsOracle-Version": "1"})
    assert v1_by_header.status_code == 400


def test_errors_carry_the_version_too(client: Any) -> None:
    response = client.get("/api/v2/datasets/GSE0", headers={"OmicsOracle-Version": NEWEST})
    assert response.status_code == 404 and response.headers["OmicsOracle-Version"] == NEWEST
    assert set(response.get_json()["error"]) == {"code", "message", "details"}


def test_each_version_has_its_document(client: Any) -> None:
    first = client.get("/api/v2/openapi.json").get_json()
    newest = client.get(f"/api/v2/openapi.json?version={NEWEST}").get_json()
    v1 = client.get("/api/v1/openapi.json").get_json()
    organisms = "components", "schemas", "Result"
    assert first["info"]["version"] == "2026-11-29" and newest["info"]["version"] == NEWEST
    assert _at(first, organisms)["properties"]["organisms"]["items"] == {"type": "string"}
    assert _at(newest, organisms)["properties"]["organisms"]["items"]["$ref"].endswith("/Organism")
    assert {"/api/v2/auth/login", "/api/v2/api-keys", "/api/v2/admin/audit"} <= set(first["paths"])
    assert list(v1["paths"]) == ["/api/v1/search"]
    assert client.get("/api/v2/openapi.json?version=2000-01-01").status_code == 400


def _at(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def test_changelog_and_docs_page_are_served_offline(client: Any) -> None:
    versions = [entry["version"] for entry in client.get("/api/changelog").get_json()["versions"]]
    assert versions == ["2026-12-01", NEWEST, "2026-11-29", "1"]  # 2026-12-01: totals count full matches
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in page and "//cdn" not in page and "unpkg" not in page
    assert f"/api/v2/openapi.json?version={NEWEST}" in page
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    guide = client.get("/api/docs/migration")
    assert guide.status_code == 200 and "From v1 to v2 2026-11-29" in guide.get_data(as_text=True)


def test_v1_after_sunset_answers_410_only_when_enforced(settings: Any, celery_app: Any) -> None:
    from app import create_app

    sunset = ApiSettings().v1_deprecated  # a date in the past
    for enforce, status in ((False, 200), (True, 410)):
        api = ApiSettings(v1_sunset=sunset, v1_sunset_enforce=enforce)
        client = create_app(replace(settings, api=api), celery_app).test_client()
        response = client.get("/api/v1/search?q=asthma&limit=1")
        assert response.status_code == status
        assert 'rel="successor-version"' in response.headers["Link"]
        assert 'rel="deprecation"' in response.headers["Link"]
    assert response.get_json()["error"]["code"] == "api_version_sunset"
