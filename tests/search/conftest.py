"""Search test fixtures: the real 8,091-series corpus, loaded once per session.

Read-only tests (here and in ``quality/``) share the session ``engine`` of tests/conftest.py
(one index build per session); tests that add records open their own engine on a fresh data
directory (:func:`fresh_engine`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from omics.config import SHIPPED_CORPUS, Settings
from omics.search.engine import SearchEngine
from omics.search.loaders import read_jsonl
from omics.search.outcome import SearchOutcome
from omics.search.request import SearchFilters, SearchRequest
from omics.search.series import Series

FIXTURES = Path(__file__).parent / "fixtures"
SOFT = Path(__file__).parent.parent / "fixtures" / "soft"  # tests/fixtures/soft


@pytest.fixture(scope="session")
def corpus() -> list[Series]:
    return list(read_jsonl(SHIPPED_CORPUS))


@pytest.fixture(scope="session")
def run(engine: SearchEngine) -> Callable[..., SearchOutcome]:
    """Search the shared engine: run("text", organisms=[...], sort=..., page_size=...)."""

    def search(query: str = "", sort: str = "relevance", page_size: int = 20, **filters) -> SearchOutcome:
        wanted = {k: tuple(v) if isinstance(v, list) else v for k, v in filters.items()}
        request = SearchRequest(query=query, filters=SearchFilters(**wanted), sort=sort, page_size=page_size)
        return engine.search(request)

    return search


@pytest.fixture
def fresh_engine(tmp_path: Path, engine: SearchEngine, data_dir: Path) -> Callable[[], SearchEngine]:
    """Open (and re-open) an engine on a private data directory, as a restarted process would.

    The ontology lexicon the session engine derived is copied in (it is a cache of installed
    ontology files, identical for every data directory), so each test pays for the index only.
    """
    target = tmp_path / "data"
    target.mkdir()
    engine.search(SearchRequest(query="warm up the vocabulary"))
    for cached in data_dir.glob("vocabulary-*"):
        shutil.copy(cached, target / cached.name)
    settings = Settings(data_dir=target)
    return lambda: SearchEngine.open(settings)
