"""Every public version, declared once, oldest first: the one list to edit for a new version.

A new breaking change is one module in :mod:`omics.api.changes` exporting ``CHANGE``, listed
in a new dated :class:`Version` appended here (or in today's, if it has not shipped yet).
The handlers then speak the new shape; every older version keeps its own through the chain.
"""

from __future__ import annotations

from datetime import date

from omics.api.changes import asynchronous_searches, full_matches_total, organisms_as_objects
from omics.api.schemas import nesting
from omics.api.versions import Version, VersionBundle

V1 = Version(
    "1",
    None,
    "/api/v1",
    summary="Synchronous search with single-valued fields (deprecated; sunset announced).",
)
FIRST_DATED = Version(
    "2026-11-29",
    date(2026, 11, 29),
    "/api/v2",
    (asynchronous_searches.CHANGE,),
    summary="Asynchronous searches, datasets, accounts and API keys (the v2 that shipped first).",
)
ORGANISMS_AS_OBJECTS = Version(
    "2026-11-30",
    date(2026, 11, 30),
    "/api/v2",
    (organisms_as_objects.CHANGE,),
    summary="Organisms with NCBI taxon ids and platforms with titles.",
)

FULL_MATCHES_TOTAL = Version(
    "2026-12-01",
    date(2026, 12, 1),
    "/api/v2",
    (full_matches_total.CHANGE,),
    summary="Totals count series matching every concept of the query; partial matches apart.",
)

BUNDLE = VersionBundle((V1, FIRST_DATED, ORGANISMS_AS_OBJECTS, FULL_MATCHES_TOTAL), nesting())
DEFAULT_VERSION = FIRST_DATED
"""What a v2 request naming no version and sending no pinned API key is answered as."""
