"""Bringing GEO series in from NCBI E-utilities: the client, its shared pacing, and the saga steps."""

from omics.ingest.client import EutilsClient, NcbiError, NcbiUnavailable, SearchHandle
from omics.ingest.pacing import RequestPacer

__all__ = ["EutilsClient", "NcbiError", "NcbiUnavailable", "RequestPacer", "SearchHandle"]
