"""The search engine: GEO series records, their index, and everything that ranks and explains them.

Pure Python over numpy/bm25s; imports nothing of ``omics`` but configuration types, and
neither Flask nor Celery (enforced by import-linter, see ``pyproject.toml``). The engine
itself (numpy, the index) is imported on first use, so the request and result types stay
cheap for processes that never search (beat, Flower, the command line).
"""

from typing import TYPE_CHECKING, Any

from omics.search.cursors import InvalidCursor, decode_cursor, encode_cursor
from omics.search.outcome import ENGINE_REVISION, STAGES, Hit, ProgressCallback, SearchOutcome
from omics.search.presentation import completed_document, result_view
from omics.search.request import SearchFilters, SearchRequest, request_from_dict, request_to_dict
from omics.search.series import Series

if TYPE_CHECKING:
    from omics.search.engine import SearchEngine

__all__ = [
    "ENGINE_REVISION",
    "STAGES",
    "Hit",
    "InvalidCursor",
    "ProgressCallback",
    "SearchEngine",
    "SearchFilters",
    "SearchOutcome",
    "SearchRequest",
    "Series",
    "completed_document",
    "decode_cursor",
    "encode_cursor",
    "request_from_dict",
    "request_to_dict",
    "result_view",
]


def __getattr__(name: str) -> Any:
    if name == "SearchEngine":
        from omics.search.engine import SearchEngine

        return SearchEngine
    raise AttributeError(name)
