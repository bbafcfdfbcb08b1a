"""Every stored format of OmicsOracle, its current version and how older documents upgrade.

This is the one list to edit when a stored shape changes: raise ``current``, add the upgrade
from the old version, and keep the change additive (new fields, nullable columns) for one
release, so the previous release still reads what this one writes during a rolling upgrade.
Version 1 of every format is what the first recorded release (``RELEASES``) wrote.
"""

from __future__ import annotations

from omics.formats.registry import Document, StoredFormat

FIRST_DATED_API_VERSION = "2026-11-29"
"""The newest API version when keys were made without a pin (a fact of history, never changes)."""


def _result_with_submission_date(row: Document) -> Document:
    """Results gained ``submission_date`` (null: not recorded; the reader fills it from the record).

    Compact rows (``{"hit": ...}``) are materialised by the reader in the current shape.
    """
    if not isinstance(row, dict) or "hit" in row or "submission_date" in row:
        return row
    return {**row, "submission_date": None}


RESULT = StoredFormat(
    "result",
    2,
    {1: _result_with_submission_date},
    description="one materialised result of a search (its version is its search's)",
)


def _results_upgraded(rows: list[Document]) -> list[Document]:
    return [RESULT.upgrade_from(1, row) for row in rows]


PACKED_RESULTS = StoredFormat(
    "packed-results",
    1,
    description="a search's ranked results as one compressed string (accessions, scores, and the "
    "query words every result is explained by); written only with OMICS_COMPACT_RESULTS=1, because "
    "the previous release reads results from the list alone",
)


SEARCH = StoredFormat(
    "search",
    2,
    {1: dict},  # the hash itself is unchanged; version 2 says its result rows are results v2
    description="a search's state hash in Redis; ``format`` is also the version of its result rows",
)


def _cache_document_results(document: Document) -> Document:
    """A cached search (``response`` page) or a full result (``results``) with results v2."""
    upgraded = dict(document)
    response = document.get("response")
    if isinstance(response, dict) and response.get("results"):
        upgraded["response"] = {**response, "results": _results_upgraded(response["results"])}
    if document.get("results"):
        upgraded["results"] = _results_upgraded(document["results"])
    return upgraded


CACHE_DOCUMENT = StoredFormat(
    "cache-document",
    2,
    {1: _cache_document_results},
    description="the JSON payload of an L2/L3 cache entry (a cached search or a full result)",
)


def _api_key_pinned(row: Document) -> Document:
    return {**row, "api_version": row.get("api_version") or FIRST_DATED_API_VERSION}


API_KEY = StoredFormat(
    "api-key",
    2,
    {1: _api_key_pinned},
    version_field="record_format",
    description="an API key row; 2 pins it to a dated API version",
)
SAVED_SEARCH = StoredFormat(
    "saved-search", 1, version_field="record_format", description="a saved search row (its request)"
)
SAGA = StoredFormat("saga", 1, version_field="record_format", description="a saga row (params, counts)")
SHORTLIST = StoredFormat("shortlist", 1, version_field="record_format", description="a shortlist row")

FORMATS: dict[str, StoredFormat] = {
    stored.name: stored
    for stored in (SEARCH, RESULT, PACKED_RESULTS, CACHE_DOCUMENT, API_KEY, SAVED_SEARCH, SAGA, SHORTLIST)
}
