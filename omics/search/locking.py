"""A lock file serialising writers of one data directory across processes."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_held = threading.local()  # per thread: the lock files it holds, so holding one again nests


@contextmanager
def exclusive(root: Path, name: str = ".lock") -> Iterator[None]:
    """Hold ``root/name`` exclusively (every process writing under ``root`` takes it first).

    Other threads and processes wait; the holding thread may take it again (opening a store and
    its index as one step takes the store's lock around code that takes it too).
    """
    root.mkdir(parents=True, exist_ok=True)
    path = str((root / name).resolve())
    held: set[str] = _held.__dict__.setdefault("paths", set())
    if path in held:
        yield
        return
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)
            fcntl.flock(lock, fcntl.LOCK_UN)
