"""A fresh data directory: readiness says "building" while another process builds, and never
builds the index on a request itself (on a gevent worker that blocked the event loop)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from omics.config import Settings
from omics.runtime import engine_status, shared_engine
from omics.search import artefacts
from omics.search.vocabulary import lexicon_path


def test_ready_says_building_while_another_process_holds_the_build_lock(
    tmp_path: Path, settings: Settings, engine: Any, celery_app: Any, celery_worker: Any
) -> None:
    from app import create_app

    fresh = replace(settings, data_dir=tmp_path / "fresh")
    fresh.data_dir.mkdir()
    # The lexicon is copied (deriving it takes a dozen seconds); the index is left to build.
    shutil.copy(lexicon_path(settings.data_dir), lexicon_path(fresh.data_dir))
    assert artefacts.missing(fresh.corpus_path, fresh.data_dir) == [artefacts.INDEX]
    client = create_app(fresh, celery_app).test_client()

    with artefacts.build_lock(fresh.data_dir):  # as if another role were building
        response = client.get("/health/ready")
        assert response.status_code == 503
        body = response.get_json()["error"]
        assert body["details"]["index"] == "building" and body["message"] == "building: index"
        assert not (fresh.data_dir / "index").exists(), "the probe built the index itself"

    assert engine_status(fresh) == "index not loaded"
    shared_engine(fresh)  # builds in a child process, then loads
    assert artefacts.missing(fresh.corpus_path, fresh.data_dir) == []
    assert engine_status(fresh) is None


def test_concurrent_builders_build_once(tmp_path: Path, settings: Settings, engine: Any) -> None:
    """Three processes asked at once: one builds, the others wait and find nothing to do."""
    import subprocess
    import sys

    from omics.config import REPOSITORY_ROOT

    data_dir = tmp_path / "shared"
    data_dir.mkdir()
    shutil.copy(lexicon_path(settings.data_dir), lexicon_path(data_dir))
    code = (
        "import sys; from pathlib import Path; from omics.search import artefacts; "
        "print(','.join(artefacts.build(Path(sys.argv[1]), Path(sys.argv[2]))))"
    )
    builders = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(settings.corpus_path), str(data_dir)],
            cwd=REPOSITORY_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = sorted(builder.communicate(timeout=120)[0].strip() for builder in builders)
    assert outputs == ["", "", "index"]


def test_the_shared_index_backend_builds_its_own_index_and_not_the_other(
    tmp_path: Path, settings: Settings, engine: Any
) -> None:
    """A worker of the tantivy backend used to build bm25s segments it never reads, then its own."""
    fresh = replace(settings, data_dir=tmp_path / "fresh", index_backend="tantivy")
    fresh.data_dir.mkdir()
    shutil.copy(lexicon_path(settings.data_dir), lexicon_path(fresh.data_dir))
    assert artefacts.missing(fresh.corpus_path, fresh.data_dir, "tantivy") == [artefacts.INDEX]

    assert artefacts.build(fresh.corpus_path, fresh.data_dir, "tantivy") == [artefacts.INDEX]

    assert artefacts.missing(fresh.corpus_path, fresh.data_dir, "tantivy") == []
    assert not (fresh.data_dir / "index").exists()
    assert artefacts.missing(fresh.corpus_path, fresh.data_dir, "bm25s") == [artefacts.INDEX]
    shared_engine(fresh)  # opens the built index: nothing left to build
    assert engine_status(fresh) is None
