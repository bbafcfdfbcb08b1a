"""Bad input gets the contract's JSON error with the right 4xx, never HTML or a 500."""

from __future__ import annotations

from typing import Any

import pytest


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_malformed_json_is_400(client: Any) -> None:
    response = client.post("/api/v2/searches", data="{not json", content_type="application/json")
    _error(response, 400, "bad_request")


def test_non_json_body_is_415(client: Any) -> None:
    response = client.post(
        "/api/v2/searches", data="query=cancer", content_type="application/x-www-form-urlencoded"
    )
    _error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": 42}, "query"),
        ({"query": "asthma", "page_size": 0}, "page_size"),
        ({"query": "asthma", "page_size": 101}, "page_size"),
        ({"query": "asthma", "page_size": "10"}, "page_size"),
        ({"query": "asthma", "sort": "oldest"}, "sort"),
        ({"query": "asthma", "filters": {"min_samples": -1}}, "filters"),
        ({"query": "asthma", "filters": {"min_samples": 10, "max_samples": 5}}, "filters"),
        ({"query": "asthma", "filters": {"organisms": "Homo sapiens"}}, "filters"),
        ({"query": "asthma", "colour": "blue"}, "colour"),
        ({"query": "   "}, "query"),
        ({"similar_to": ["not-an-accession"]}, "similar_to"),
        ({}, "query"),
    ],
)
def test_invalid_search_is_422_naming_the_field(client: Any, body: dict[str, Any], field: str) -> None:
    error = _error(client.post("/api/v2/searches", json=body), 422, "validation_failed")
    assert field in error["details"]


def test_body_that_is_not_an_object_is_422(client: Any) -> None:
    _error(client.post("/api/v2/searches", json=["asthma"]), 422, "validation_failed")


def test_unknown_example_accession_is_422(client: Any, engine: Any) -> None:
    error = _error(
        client.post("/api/v2/searches", json={"similar_to": ["GSE999999999"]}), 422, "validation_failed"
    )
    assert error["details"]["similar_to"] == ["GSE999999999"]


def test_oversized_body_is_413(client: Any, app: Any) -> None:
    body = '{"query": "' + "a" * app.config["MAX_CONTENT_LENGTH"] + '"}'
    _error(
        client.post("/api/v2/searches", data=body, content_type="application/json"), 413, "payload_too_large"
    )


def test_unknown_route_is_json_404(client: Any) -> None:
    _error(client.get("/api/v2/no-such-thing"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(client: Any) -> None:
    response = client.delete("/api/v2/searches")
    _error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_unknown_search_is_404(client: Any) -> None:
    _error(client.get("/api/v2/searches/0123456789abcdef"), 404, "not_found")


def test_unknown_dataset_is_404(client: Any, engine: Any) -> None:
    _error(client.get("/api/v2/datasets/GSE999999999"), 404, "not_found")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=",
        "?q=asthma&limit=0",
        "?q=asthma&limit=abc",
        "?q=asthma&offset=-1",
        "?q=asthma&min_samples=x",
        "?q=asthma&bogus=1",
    ],
)
def test_invalid_v1_query_is_422(client: Any, query: str) -> None:
    response = client.get(f"/api/v1/search{query}")
    _error(response, 422, "validation_failed")
    assert response.headers["Deprecation"].startswith("@")


def test_openapi_documents_are_openapi_3(client: Any) -> None:
    for version, path in ((1, "/api/v1/search"), (2, "/api/v2/searches")):
        document = client.get(f"/api/v{version}/openapi.json").get_json()
        assert document["openapi"].startswith("3.")
        assert path in document["paths"]
    schema = client.get("/api/v2/openapi.json").get_json()["components"]["schemas"]["SearchRequest"]
    assert schema["properties"]["page_size"]["maximum"] == 100
