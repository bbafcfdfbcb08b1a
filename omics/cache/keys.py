"""Cache keys: what the parser understood of the request, plus the corpus version.

Two requests share a key only if the engine answers them identically, so the key is built
from the parsed query (:func:`omics.search.query_parser.query_meaning`), never from folded
raw text: folding case or Unicode before parsing once let ``liver not mouse`` be served
another user's ``liver NOT mouse``. The engine's revision is part of the digest: an upgraded
engine that ranks differently never serves what the older one cached. Example accessions and
filter values are de-duplicated and sorted. The corpus version is part of the key, so adding
records makes every older entry unreachable at once, without scanning or deleting anything.

The canonical request (query text NFKC-normalised, case-folded, spacing collapsed) is what
popularity tracking counts and warming replays. It merges spellings, so it is never a key:
a warmed search is stored under the key of what the parser reads in the replayed text.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

from omics.search.outcome import ENGINE_REVISION
from omics.search.query_parser import query_meaning
from omics.search.request import SearchRequest, request_from_dict

KEY_FORMAT = 3  # bump when the key's input or the cached document shape changes (3: full-match totals)


def normalise_text(text: str) -> str:
    """Query text as popularity and invalidations compare it: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _sorted_unique(values: tuple[str, ...]) -> list[str]:
    return sorted({value.strip() for value in values if value.strip()})


def canonical_request(request: SearchRequest) -> dict[str, Any]:
    """A JSON-ready dict of the request, equal for spellings that differ in case, width or spacing.

    Date filters appear only when set, so the keys of searches without them did not change.
    """
    filters = request.filters
    dates = {
        name: getattr(filters, name)
        for name in ("submitted_after", "submitted_before")
        if getattr(filters, name) is not None
    }
    return {
        "query": normalise_text(request.query),
        "similar_to": _sorted_unique(tuple(accession.upper() for accession in request.similar_to)),
        "filters": {
            "organisms": _sorted_unique(filters.organisms),
            "series_types": _sorted_unique(filters.series_types),
            "min_samples": filters.min_samples,
            "max_samples": filters.max_samples,
            **dates,
        },
        "sort": request.sort,
        "page_size": request.page_size,
    }


def canonical_json(request: SearchRequest) -> str:
    """The canonical request as compact, key-sorted JSON (popularity member, hash input)."""
    return json.dumps(canonical_request(request), sort_keys=True, separators=(",", ":"))


def request_from_canonical(text: str) -> SearchRequest:
    """Rebuild the request a canonical JSON string stands for (used by warming)."""
    return request_from_dict(json.loads(text))


def cache_key(request: SearchRequest, corpus_version: int) -> str:
    """``v<corpus version>:<digest>``: short, safe in Redis and SQLite, unique per search.

    The digest covers what the parser understood of the query and the rest of the request.
    """
    rest = {**canonical_request(request), "query": query_meaning(request.query)}
    text = json.dumps(rest, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(f"{KEY_FORMAT}|{ENGINE_REVISION}|{text}".encode()).hexdigest()[:40]
    return f"v{corpus_version}:{digest}"
