"""2026-11-30: organisms carry their NCBI taxon id, platforms their title.

Before this version a result's ``organisms`` were GEO's scientific names and its ``platforms``
bare GPL accessions; names change and are spelled differently across records, so clients
joining GEO with other resources had to guess. Older versions get the names back.
"""

from __future__ import annotations

from typing import Any

from omics.api.versions import Params, VersionChange


def _names(body: Any, _params: Params) -> Any:
    if not isinstance(body, dict):
        return body
    out = dict(body)
    if isinstance(out.get("organisms"), list):
        out["organisms"] = [_field(item, "name") for item in out["organisms"]]
    if isinstance(out.get("platforms"), list):
        out["platforms"] = [_field(item, "accession") for item in out["platforms"]]
    return out


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else item


def _string_lists(schema: dict[str, Any]) -> dict[str, Any]:
    properties = dict(schema.get("properties", {}))
    for name in ("organisms", "platforms"):
        if name in properties:
            properties[name] = {"type": "array", "items": {"type": "string"}}
    return {**schema, "properties": properties}


CHANGE = VersionChange(
    title="Organisms are objects with their NCBI taxon id; platforms are objects with their title",
    why=(
        "GEO's organism names change and are spelled differently across records; the NCBI "
        "Taxonomy id is stable and joins GEO with other resources. Platform titles say what "
        "the bare GPL accession means."
    ),
    migration=(
        "`results[].organisms` and `GET /api/v2/datasets/{accession}` `organisms`: "
        '`["Homo sapiens"]` becomes `[{"name": "Homo sapiens", "taxon_id": 9606}]` '
        "(`taxon_id` is null when unknown); read `name` for the old value.",
        '`results[].platforms` and the dataset\'s `platforms`: `["GPL570"]` becomes '
        '`[{"accession": "GPL570", "title": "[HG-U133_Plus_2] Affymetrix ..."}]` (`title` null '
        "when unknown); read `accession` for the old value.",
        "Search filters (`filters.organisms`) and facets still use organism names.",
    ),
    responses={"Result": _names, "Dataset": _names},
    schemas={"Result": _string_lists, "Dataset": _string_lists},
)
