"""Files and directories only their owner can read: the data directory and what it holds.

The data directory keeps password and key hashes, the audit log, secrets and every user's
queries (SQLite files, the Redis dump and append-only file). Each is created with its final
mode (a 0700 directory, 0600 files) by ``os.open``/``mkdir`` with that mode, never written
first and restricted afterwards: between a write and a ``chmod`` another local user could
open the file and keep the descriptor. :data:`PRIVATE_UMASK` is the process umask of every
role (``python app.py``) and of the embedded Redis server, for the files libraries create.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

PRIVATE_UMASK = 0o077
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    """``path`` as a directory only its owner can enter (created 0700; an existing one tightened).

    Tightening a directory is safe after the fact (unlike a file, nothing can be read through
    it once it is 0700), and it protects a data directory made by an earlier release.
    """
    path = Path(path)
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(DIRECTORY_MODE)
    return path


def create_private_file(path: Path) -> Path:
    """Create ``path`` empty and 0600 unless it exists, so a library that opens it later (SQLite)
    writes into a file nobody else can read; SQLite gives its -wal and -shm files the same mode."""
    private_directory(Path(path).parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    return Path(path)


def write_private_file(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, in a file created 0600."""
    path = Path(path)
    private_directory(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def private_secret(path: Path) -> str:
    """The random secret kept in ``path``, created (0600, exclusively) on first use.

    Two processes starting at once both read the one that won the exclusive create.
    """
    path = Path(path)
    if not path.exists():
        private_directory(path.parent)
        value = secrets.token_urlsafe(48)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(value)
            return value
    for _ in range(100):  # the winner of the exclusive create may not have written it yet
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it to have a new secret generated")
