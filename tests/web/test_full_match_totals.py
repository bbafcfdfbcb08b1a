"""``total`` over HTTP: full matches from version 2026-12-01 on, every match before it and in v1."""

from __future__ import annotations

from typing import Any

import requests

from tests.service_clients import submit, wait_for

FULL_MATCHES = "2026-12-01"


def test_newest_version_counts_full_matches_and_older_ones_keep_every_match(live_server: Any) -> None:
    created = submit(live_server.url, {"query": "T cell exhaustion", "page_size": 5})
    newest = wait_for(live_server.url, created["id"], headers={"OmicsOracle-Version": FULL_MATCHES})
    older = wait_for(live_server.url, created["id"], headers={"OmicsOracle-Version": "2026-11-30"})
    assert newest["status"] == "completed" and newest["total"] > 0 and newest["total_partial"] > 0
    assert older["total"] == newest["total"] + newest["total_partial"]
    assert older["total_partial"] == newest["total_partial"]  # a new field for older clients
    assert sum(newest["facets"]["sample_size"].values()) == newest["total"]  # facets: full matches
    v1 = requests.get(f"{live_server.url}/api/v1/search", params={"q": "T cell exhaustion"}, timeout=20)
    assert v1.status_code == 200 and v1.json()["total"] == older["total"]
    assert "total_partial" not in v1.json()  # v1's page keeps exactly its fields


def test_each_version_documents_what_total_means(client: Any) -> None:
    def total_of(version: str) -> dict[str, Any]:
        document = client.get(f"/api/v2/openapi.json?version={version}").get_json()
        schema: dict[str, Any] = document["components"]["schemas"]["Search"]["properties"]
        return schema

    newest, older = total_of(FULL_MATCHES), total_of("2026-11-30")
    assert "every concept" in newest["total"]["description"] and "total_partial" in newest
    assert "full and partial" in older["total"]["description"]


def test_partial_matches_on_later_pages_say_what_they_miss(live_server: Any) -> None:
    """Pages after the first are explained when first read, from the stored compact rows."""
    created = submit(live_server.url, {"query": "T cell exhaustion", "page_size": 100})
    first = wait_for(live_server.url, created["id"], headers={"OmicsOracle-Version": FULL_MATCHES})
    assert first["total"] < 100 < first["total"] + first["total_partial"]
    later = requests.get(
        f"{live_server.url}{created['links']['self']}",
        params={"cursor": first["next_cursor"]},
        headers={"OmicsOracle-Version": FULL_MATCHES},
        timeout=20,
    ).json()
    assert later["results"]
    assert all(r["reasons"][0].startswith("does not mention ") for r in later["results"])
