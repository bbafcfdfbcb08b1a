"""A lock file serialising writers of one data directory across processes."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(root: Path, name: str = ".lock") -> Iterator[None]:
    """Hold ``root/name`` exclusively (every process writing under ``root`` takes it first)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / name, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
