"""Golden responses: the shape and field meaning each public version promises, frozen.

For v1 and every dated v2 version, real responses (search, page, dataset, error, progress
events) are reduced to their shape: field names, JSON types, which fields exist, nested
all the way down. Ranking and corpus content are not frozen (later work may improve them);
a renamed, removed or retyped field in an already published version is. Added fields are not
a break (changes are additive first), and whether a field may be null is the OpenAPI
documents' business, checked by the schemathesis contract tests. A new dated version gets
its golden file by running this test once with ``OMICS_UPDATE_GOLDEN=1``, which writes only
files that do not exist: published versions' files are never regenerated.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import requests
import websocket

from omics.api import BUNDLE
from tests.service_clients import read_events, wait_for

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("OMICS_UPDATE_GOLDEN") == "1"
QUERY = "breast cancer"
DATASET = "GSE105845"

OPEN_MAPS = {"highlights"}
"""Objects whose keys are data (a result's highlighted field names), not part of the shape;
so are the counts of each facet (keyed by organism, platform...)."""

Shape = Any


def shape_of(value: Any, key: str = "", parent: str = "") -> Shape:
    """The shape of a JSON value: objects by field, lists by the merged shape of their items."""
    if isinstance(value, dict):
        if key in OPEN_MAPS or parent == "facets":
            return {"map of": _merge_all([shape_of(item) for item in value.values()])}
        return {"object": {name: shape_of(item, name, key) for name, item in sorted(value.items())}}
    if isinstance(value, list):
        return {"list of": _merge_all([shape_of(item, key) for item in value])}
    return {"types": [_json_type(value)]}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def _merge_all(shapes: list[Shape]) -> Shape:
    merged: Shape = None
    for shape in shapes:
        merged = _merge(merged, shape)
    return merged


def _merge(left: Shape, right: Shape) -> Shape:
    """One shape covering both: union of types, fields of both objects, items of both lists."""
    if left is None or left == right:
        return right
    if right is None:
        return left
    merged: dict[str, Any] = {}
    for kind in ("object", "list of", "map of", "types"):
        if kind in left or kind in right:
            merged[kind] = _merge_part(kind, left.get(kind), right.get(kind))
    return merged


def _merge_part(kind: str, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return left if right is None else right
    if kind == "types":
        return sorted(set(left) | set(right))
    if kind == "object":
        return {name: _merge(left.get(name), right.get(name)) for name in sorted(set(left) | set(right))}
    return _merge(left, right)


def differences(golden: Shape, seen: Shape, path: str = "$") -> list[str]:
    """Where ``seen`` breaks ``golden``: a missing field, or a type the golden lacks.

    An empty list (``list of`` None), a null, or a value where the golden saw only null (a
    date the shipped corpus lacks) is not a difference: content decides those.
    """
    if golden is None or seen is None:
        return []
    found = []
    if "types" in seen and golden.get("types") != ["null"]:
        unexpected = set(seen["types"]) - set(golden.get("types", [])) - {"null"}
        if unexpected:
            found.append(f"{path}: type {sorted(unexpected)} where the version promises {golden}")
    if "object" in seen:
        found += _object_differences(golden.get("object"), seen["object"], path)
    for kind in ("list of", "map of"):
        if kind in seen:
            if kind not in golden:
                found.append(f"{path}: {kind} where the version promises {golden}")
            else:
                found += differences(golden[kind], seen[kind], f"{path}[]")
    return found


def _object_differences(golden: dict[str, Any] | None, seen: dict[str, Any], path: str) -> list[str]:
    if golden is None:
        return [f"{path}: an object where the version promises no object"]
    found = [f"{path}.{name}: missing" for name in sorted(set(golden) - set(seen))]
    for name in sorted(set(golden) & set(seen)):
        found += differences(golden[name], seen[name], f"{path}.{name}")
    return found


def _v2(live_server: Any, version: str) -> dict[str, Any]:
    headers = {"OmicsOracle-Version": version}
    base = live_server.url
    created = requests.post(
        f"{base}/api/v2/searches",
        # A page size of its own per version: the same request twice would be a cached repeat (200).
        json={"query": QUERY, "page_size": 5 + VERSIONS.index(version)},
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 202, created.text
    search = created.json()
    wait_for(base, search["id"], headers=headers)
    page = requests.get(f"{base}{search['links']['self']}", headers=headers, timeout=10)
    ws = websocket.create_connection(
        f"{live_server.ws_url}{search['links']['events']}",
        header=[f"OmicsOracle-Version: {version}"],
        timeout=20,
    )
    events, _ = read_events(ws)
    bad = requests.post(f"{base}/api/v2/searches", json={"query": 5}, headers=headers, timeout=10)
    missing = requests.get(f"{base}/api/v2/datasets/GSE0", headers=headers, timeout=10)
    dataset = requests.get(f"{base}/api/v2/datasets/{DATASET}", headers=headers, timeout=10)
    statuses = page.status_code, bad.status_code, missing.status_code, dataset.status_code
    assert statuses == (200, 422, 404, 200)
    return {
        "created": search,
        "page": page.json(),
        "events": events,
        "dataset": dataset.json(),
        "error 422": bad.json(),
        "error 404": missing.json(),
    }


def _v1(live_server: Any) -> dict[str, Any]:
    base = live_server.url
    found = requests.get(f"{base}/api/v1/search", params={"q": QUERY, "limit": "5"}, timeout=30)
    bad = requests.get(f"{base}/api/v1/search", params={"q": QUERY, "limit": "many"}, timeout=10)
    assert (found.status_code, bad.status_code) == (200, 422), bad.text
    return {"search": found.json(), "error 422": bad.json()}


VERSIONS = ["1"] + [version.name for version in BUNDLE.dated()]


@pytest.mark.parametrize("version", VERSIONS)
def test_each_version_keeps_its_promised_shapes(live_server: Any, version: str) -> None:
    responses = _v1(live_server) if version == "1" else _v2(live_server, version)
    seen = {name: shape_of(body) for name, body in responses.items()}
    path = GOLDEN / f"{version}.json"
    if UPDATE and not path.exists():  # a published version's promise is never rewritten
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(seen, indent=1, sort_keys=True) + "\n")
    assert path.exists(), f"no golden file for version {version}: run once with OMICS_UPDATE_GOLDEN=1"
    golden = json.loads(path.read_text())
    assert set(golden) == set(seen)
    broken = [line for name in golden for line in differences(golden[name], seen[name], name)]
    assert not broken, "\n".join(broken)


def test_a_renamed_or_retyped_field_is_caught() -> None:
    golden = shape_of({"results": [{"accession": "GSE1", "sample_count": 3, "highlights": {"title": "x"}}]})
    assert differences(golden, shape_of({"results": []})) == []
    assert differences(shape_of({"date": None}), shape_of({"date": "2026-11-30"})) == []
    assert differences(shape_of({"date": "2026-11-30"}), shape_of({"date": None})) == []
    assert differences(golden, shape_of({"results": [{"accession": "GSE2", "sample_count": 4}]})) == [
        "$.results[].highlights: missing"
    ]
    renamed = shape_of({"results": [{"accession": "GSE2", "samples": 4, "highlights": {}}]})
    assert differences(golden, renamed) == ["$.results[].sample_count: missing"]
    added = shape_of({"results": [{"accession": "GSE2", "sample_count": 4, "highlights": {}, "new": 1}]})
    assert differences(golden, added) == []
    retyped = shape_of({"results": [{"accession": 2, "sample_count": 4, "highlights": {"summary": "y"}}]})
    assert differences(golden, retyped) == [
        "$.results[].accession: type ['number'] where the version promises {'types': ['string']}"
    ]
