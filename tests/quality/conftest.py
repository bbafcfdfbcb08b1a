"""Fixtures for search-quality tests: the ontology vocabulary and the engine over the shipped corpus.

Both are built once per test session (the lexicon derivation and the corpus index are the slow
parts), in a session temporary data directory so no test touches a developer's data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from omics.config import SHIPPED_CORPUS, Settings
from omics.search.engine import SearchEngine
from omics.search.vocabulary import Vocabulary, vocabulary


@pytest.fixture(scope="session")
def quality_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("quality-data")


@pytest.fixture(scope="session")
def vocab(quality_data_dir: Path) -> Vocabulary:
    return vocabulary(quality_data_dir)


@pytest.fixture(scope="session")
def engine(quality_data_dir: Path) -> SearchEngine:
    """The engine over the shipped 8k-series corpus (index built once per session)."""
    return SearchEngine.open(Settings(data_dir=quality_data_dir, corpus_path=SHIPPED_CORPUS))
