"""Each version's OpenAPI document, derived from the HEAD document and the declared changes.

The web layer builds one HEAD document (every operation, the HEAD schemas, and the operations
that only older versions have, from the changes' ``paths``); :func:`version_document` keeps the
operations of one version and walks its components down through each newer change's schema
edits. The documents therefore follow from the code that converts the bodies: they cannot
drift from what a version's clients receive.
"""

from __future__ import annotations

import copy
from typing import Any

from omics.api.versions import Version, VersionBundle

VERSION_HEADER = "OmicsOracle-Version"


def _retired_paths(bundle: VersionBundle, version: Version) -> set[str]:
    """Paths that exist only before some change that ``version`` already has."""
    newer = {later.name for later in bundle.newer_than(version)}
    return {
        path
        for declared in bundle.versions
        if declared.name not in newer
        for change in declared.changes
        for path in change.paths
    }


def version_document(bundle: VersionBundle, version: Version, head: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document of ``version`` (``head`` is not modified)."""
    document = copy.deepcopy(head)
    retired = _retired_paths(bundle, version)
    document["paths"] = {
        path: item
        for path, item in head["paths"].items()
        if path.startswith(version.prefix) and path not in retired
    }
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for newer in reversed(bundle.newer_than(version)):
        for change in reversed(newer.changes):
            for name, edit in change.schemas.items():
                if name in schemas:
                    schemas[name] = edit(schemas[name])
    document["info"] = {**head.get("info", {}), "version": version.name}
    if version.dated:
        _declare_version_header(document, version)
    return document


def _declare_version_header(document: dict[str, Any], version: Version) -> None:
    """Every operation of a dated version takes and returns ``OmicsOracle-Version``."""
    parameter = {
        "in": "header",
        "name": VERSION_HEADER,
        "required": False,
        "schema": {"type": "string", "enum": [version.name]},
        "description": "The dated API version to answer in (default: the API key's, else 2026-11-29).",
    }
    header = {"schema": {"type": "string"}, "description": "The version that served this response."}
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["parameters"] = [*operation.get("parameters", []), parameter]
            for response in operation["responses"].values():
                response.setdefault("headers", {})[VERSION_HEADER] = header
