"""The version bundle: conversions through the chain, nesting, documents and generated docs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from omics.api import BUNDLE, UnknownVersion, Version, VersionBundle, VersionChange, generated_documents
from omics.api.openapi import version_document
from omics.api.schemas import nesting

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _head_result() -> dict[str, Any]:
    return {
        "accession": "GSE1",
        "title": "t",
        "summary": "s",
        "overall_design": "",
        "organisms": [
            {"name": "Homo sapiens", "taxon_id": 9606},
            {"name": "Mus musculus", "taxon_id": 10090},
        ],
        "platforms": [{"accession": "GPL570", "title": "x"}],
        "series_types": ["Expression profiling by array"],
        "sample_count": 3,
        "score": 1.5,
        "highlights": {},
        "reasons": [],
    }


def test_first_dated_version_sees_names_inside_a_search_page() -> None:
    search = {"id": "a", "results": [_head_result()], "total": 1}
    old = BUNDLE.migrate_response("Search", search, BUNDLE.parse("2026-11-29"))
    assert old["results"][0]["organisms"] == ["Homo sapiens", "Mus musculus"]
    assert old["results"][0]["platforms"] == ["GPL570"]
    assert search["results"][0]["organisms"][0]["taxon_id"] == 9606  # the HEAD body is not mutated


def test_v1_is_reached_through_every_change() -> None:
    page = BUNDLE.migrate_response(
        "Search",
        {"query": "q", "total": 1, "results": [_head_result()]},
        BUNDLE.parse("1"),
        {"limit": 5, "offset": 0},
    )
    assert page == {
        "query": "q",
        "total": 1,
        "limit": 5,
        "offset": 0,
        "results": [
            {
                "accession": "GSE1",
                "title": "t",
                "summary": "s",
                "organism": "Homo sapiens",
                "platform": "GPL570",
                "sample_count": 3,
                "series_type": "Expression profiling by array",
                "score": 1.5,
            }
        ],
    }


def test_v1_request_comes_up_to_a_head_search_body() -> None:
    args = {
        "q": " asthma ",
        "limit": 7,
        "offset": 0,
        "organism": ["Homo sapiens"],
        "series_type": [],
        "min_samples": 3,
    }
    body = BUNDLE.migrate_request("SearchRequest", args, BUNDLE.parse("1"))
    assert body == {
        "query": "asthma",
        "filters": {"organisms": ["Homo sapiens"], "series_types": [], "min_samples": 3},
        "page_size": 7,
    }


def test_unknown_version_names_the_known_ones() -> None:
    with pytest.raises(UnknownVersion) as raised:
        BUNDLE.parse("2020-01-01")
    assert "2026-11-29" in str(raised.value)


def test_an_event_change_reaches_errors_nested_in_events() -> None:
    """A change declared once for a nested schema applies in every container that holds it."""
    renamed = VersionChange(
        title="t",
        why="w",
        responses={"StatusError": lambda body, _: {"kind": body["code"], "message": body["message"]}},
    )
    first = Version("2026-11-29", BUNDLE.parse("2026-11-29").released, "/api/v2")
    later = Version("2026-12-01", date(2026, 12, 1), "/api/v2", (renamed,))
    bundle = VersionBundle((first, later), nesting())
    event = {"seq": 3, "type": "failed", "error": {"code": "boom", "message": "m"}}
    assert bundle.touches("Event", first) and not bundle.touches("Dataset", first)
    assert bundle.migrate_response("Event", event, first)["error"] == {"kind": "boom", "message": "m"}


def test_versions_must_be_declared_in_date_order() -> None:
    first, later = BUNDLE.parse("2026-11-29"), BUNDLE.parse("2026-11-30")
    with pytest.raises(ValueError):
        VersionBundle((later, first), nesting())


def _fake_head() -> dict[str, Any]:
    result = {
        "properties": {"organisms": {"type": "array", "items": {"$ref": "#/components/schemas/Organism"}}}
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "x", "version": "HEAD"},
        "paths": {
            "/api/v2/searches": {"post": {"responses": {"200": {}}}},
            "/api/v1/search": {"get": {"responses": {}}},
        },
        "components": {"schemas": {"Result": result}},
    }


def test_documents_follow_the_changes() -> None:
    head = _fake_head()
    newest = version_document(BUNDLE, BUNDLE.parse("2026-11-30"), head)
    first = version_document(BUNDLE, BUNDLE.parse("2026-11-29"), head)
    v1 = version_document(BUNDLE, BUNDLE.parse("1"), head)
    assert newest["components"]["schemas"]["Result"]["properties"]["organisms"]["items"]["$ref"].endswith(
        "Organism"
    )
    assert first["components"]["schemas"]["Result"]["properties"]["organisms"]["items"] == {"type": "string"}
    assert set(newest["paths"]) == {"/api/v2/searches"} and set(v1["paths"]) == {"/api/v1/search"}
    assert first["info"]["version"] == "2026-11-29"
    header = first["paths"]["/api/v2/searches"]["post"]["responses"]["200"]["headers"]
    assert "OmicsOracle-Version" in header


def test_generated_docs_are_up_to_date() -> None:
    for name, text in generated_documents(BUNDLE).items():
        assert (DOCS / name).read_text() == text, f"docs/{name} is stale: run python app.py api-docs"
