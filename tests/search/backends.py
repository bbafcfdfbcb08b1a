"""Which index backend a test session runs (``OMICS_INDEX_BACKEND``), for tests of one backend's own files."""

from __future__ import annotations

from pathlib import Path

import pytest

from omics.config import Settings

BACKEND = Settings(data_dir=Path("unused")).index_backend

bm25s_segments = pytest.mark.skipif(
    BACKEND != "bm25s",
    reason="inspects the bm25s engine's own segment files, which the shared-index backend does not "
    "write (its generations are tested in tests/search/test_shared_index.py)",
)


def differs_on_shared_index(why: str) -> pytest.MarkDecorator:
    """A behaviour the shared-index backend does not yet have (issue #16): expected to fail there,
    saying why, and reported the day it passes (strict)."""
    return pytest.mark.xfail(BACKEND == "tantivy", reason=f"shared-index backend: {why}", strict=True)
