"""A search's ranked results packed into one string: accessions, scores and what explains them.

The list layout keeps every result as a JSON row, the first page fully rendered (titles,
summaries, highlights); at about 110 KB a search kept for a day, Redis grew without bound under
load. Every result of one search is explained by the same query words, phrases and other
names (see ``SearchEngine._hits``), so a search is fully described by those once plus its
(accession, score) pairs; pages are rendered from the engine's records when read, exactly as
the list layout renders the results it keeps compact. Packed results are format
``packed-results`` (:data:`omics.formats.PACKED_RESULTS`), zlib-compressed JSON in base64 (the
search store's client reads text).
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from omics.formats import PACKED_RESULTS


def _ranked(row: dict[str, Any]) -> tuple[str, float]:
    """(accession, score) of a stored result row: rendered, or compact ``{"hit": ...}``."""
    source = row.get("hit", row)
    return source["accession"], source["score"]


def pack(document: dict[str, Any]) -> str | None:
    """The document's results packed, or None when it does not say what explains them
    (a document cached by an older release: it is stored in the list layout)."""
    explained_by = document.get("explained_by")
    if not isinstance(explained_by, dict):
        return None
    packed = PACKED_RESULTS.stamp(
        {
            "terms": explained_by.get("terms", []),
            "phrases": explained_by.get("phrases", []),
            "also": explained_by.get("also", []),
            **_missing_by_rank(document["results"], explained_by.get("missing", {})),
            "ranked": [_ranked(row) for row in document["results"]],
        }
    )
    raw = json.dumps(packed, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def compact_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's results as list rows, every one compact (``{"hit": ...}``) when the document
    says what explains them: rows every release reads, rendered on read instead of kept rendered."""
    explained_by = document.get("explained_by")
    if not isinstance(explained_by, dict):
        return list(document["results"])
    shared = {key: explained_by.get(key, []) for key in ("terms", "phrases", "also")}
    missing = explained_by.get("missing", {})
    rows = []
    for row in document["results"]:
        accession, score = _ranked(row)
        partial = {"missing": missing[accession]} if accession in missing else {}
        rows.append({"hit": {"accession": accession, "score": score, **shared}, **partial})
    return rows


def unpack(text: str, offset: int, size: int) -> list[dict[str, Any]]:
    """Results ``offset..offset+size`` as compact hits (what ``result_view`` renders)."""
    packed = PACKED_RESULTS.upgrade(json.loads(zlib.decompress(base64.b64decode(text))))
    shared = {"terms": packed["terms"], "phrases": packed["phrases"], "also": packed["also"]}
    labels, by_rank = packed.get("missing_labels", []), packed.get("missing", [])
    hits = []
    for rank in range(offset, min(offset + size, len(packed["ranked"]))):
        accession, score = packed["ranked"][rank]
        chosen = by_rank[rank] if rank < len(by_rank) else 0
        hits.append(
            {
                "accession": accession,
                "score": score,
                **shared,
                "missing": labels[chosen - 1] if chosen else [],
            }
        )
    return hits


def _missing_by_rank(results: list[dict[str, Any]], missing: dict[str, list[str]]) -> dict[str, Any]:
    """What each partial match misses, as small numbers in rank order into a table of the
    distinct label lists (a few concepts repeat over hundreds of results; accessions are
    already in ``ranked``); 0 for a full match."""
    labels: list[list[str]] = []
    numbers: dict[tuple[str, ...], int] = {}
    by_rank = []
    for row in results:
        missed = tuple(missing.get(_ranked(row)[0], ()))
        if missed and missed not in numbers:
            labels.append(list(missed))
            numbers[missed] = len(labels)
        by_rank.append(numbers[missed] if missed else 0)
    return {"missing_labels": labels, "missing": by_rank} if labels else {}
