"""The shared artefacts of a data directory (the index and the vocabulary lexicon), built once.

Every role of a split deployment needs them, and on a fresh data directory they all start at
once: left to themselves, each would derive the lexicon (a dozen CPU seconds) and queue for the
index, and a gevent web worker doing that on its event loop misses gunicorn's heartbeat and is
killed. So the artefacts are built by one process under the data directory's build lock (the
explicit ``python app.py build`` step, or the first role to need them) while the others wait,
and :func:`missing` tells cheaply, without reading the corpus, whether anything is left to do.
``python -m omics.search.artefacts CORPUS DATA_DIR`` builds them in a child process, which is
how a serving process waits without running CPU-bound work on its own threads or event loop.
"""

from __future__ import annotations

import fcntl
import gc
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from omics.search.corpus_store import disk_version, fingerprint_prefix
from omics.search.index import SegmentedIndex
from omics.search.vocabulary import lexicon_path, vocabulary, write_lexicon

LEXICON = "lexicon"
INDEX = "index"
_BUILD_LOCK = ".build.lock"


def missing(corpus_path: Path, data_dir: Path, backend: str = "bm25s") -> list[str]:
    """The artefacts ``data_dir`` lacks for the current corpus (``[]`` when all are built).

    ``backend`` (``OMICS_INDEX_BACKEND``) names the index: bm25s segments or the shared index.
    """
    absent = [] if lexicon_path(Path(data_dir)).exists() else [LEXICON]
    if not _index_fingerprint(data_dir, backend).startswith(
        fingerprint_prefix(Path(corpus_path), disk_version(data_dir)) + "|"
    ):
        absent.append(INDEX)
    return absent


def _index_fingerprint(data_dir: Path, backend: str) -> str:
    if backend == "tantivy":
        from omics.search.shared_engine import persisted_fingerprint  # heavy: tantivy

        return persisted_fingerprint(data_dir) or ""
    return SegmentedIndex.persisted_fingerprint(Path(data_dir) / "index") or ""


@contextmanager
def build_lock(data_dir: Path, blocking: bool = True) -> Iterator[bool]:
    """Hold the data directory's build lock; yields False when not blocking and another holds it."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(data_dir) / _BUILD_LOCK, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def building(data_dir: Path) -> bool:
    """Whether some process holds the build lock of ``data_dir`` right now (never waits)."""
    with build_lock(data_dir, blocking=False) as acquired:
        return not acquired


def build(corpus_path: Path, data_dir: Path, backend: str = "bm25s") -> list[str]:
    """Build what is missing, under the build lock; return what this call built.

    A process that waited for another's build finds nothing left to do and returns ``[]``.
    """
    with build_lock(data_dir):
        todo = missing(corpus_path, data_dir, backend)
        if LEXICON in todo:
            write_lexicon(Path(data_dir))
        if INDEX in todo:
            _build_index(corpus_path, data_dir, backend)
        return todo


def _build_index(corpus_path: Path, data_dir: Path, backend: str) -> None:
    """Heavy imports (the index libraries) only when there is an index to build."""
    if backend == "tantivy":
        from omics.search.shared_engine import open_store_and_shared_index

        open_store_and_shared_index(corpus_path, data_dir)
    else:
        from omics.search.engine import open_store_and_index

        open_store_and_index(corpus_path, data_dir)


def preload_before_fork(data_dir: Path) -> None:
    """Load the vocabulary (about 70 MB of Python objects) into a process about to fork its pool.

    Prefork children then share its pages copy-on-write instead of each loading a copy on its
    first search; ``gc.freeze`` keeps the collector from writing to (and so copying) them.
    """
    if lexicon_path(Path(data_dir)).exists():
        vocabulary(Path(data_dir))
        gc.freeze()


def build_in_child(corpus_path: Path, data_dir: Path, backend: str = "bm25s") -> None:
    """:func:`build` in a child process: this process only waits (cooperatively under gevent)."""
    if missing(corpus_path, data_dir, backend):
        subprocess.run(
            [sys.executable, "-m", "omics.search.artefacts", str(corpus_path), str(data_dir), backend],
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:4])
