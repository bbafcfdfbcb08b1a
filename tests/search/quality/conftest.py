"""Fixtures for search-quality tests: the ontology vocabulary of the session engine.

The engine over the shipped corpus is the one session-wide ``engine`` of tests/conftest.py
(its data directory is the session's ``data_dir``), so the index is built and the lexicon
derived once per session, not once more for this suite.
"""

from __future__ import annotations

import pytest

from omics.search.engine import SearchEngine
from omics.search.vocabulary import Vocabulary


@pytest.fixture(scope="session")
def vocab(engine: SearchEngine) -> Vocabulary:
    """The vocabulary the session engine expands queries with (its lexicon cached in ``data_dir``)."""
    return engine.vocabulary
