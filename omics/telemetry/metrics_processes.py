"""Prometheus figures per service, not per forked process, for the roles gunicorn forks.

prometheus_client keeps a process's counters in that process unless ``PROMETHEUS_MULTIPROC_DIR``
names a directory when it is first imported: then every worker writes its figures to files
there, and a scrape answered by any worker adds up all of them. So the directory must be set
before anything imports prometheus_client, which is why ``app.py`` calls this first. This
module imports nothing that imports prometheus_client.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
FORKING_ROLES = frozenset({"web", "realtime"})


def share_metrics_across_workers(argv: Sequence[str]) -> Path | None:
    """For a forking role, a fresh directory for every worker's figures (removed at exit).

    An operator's own ``PROMETHEUS_MULTIPROC_DIR`` is used as it is (emptying it between runs
    is then theirs to do, as prometheus_client asks). Other roles are one process: None.
    """
    if not FORKING_ROLES & set(argv[1:]):
        return None
    if os.environ.get(MULTIPROCESS_DIRECTORY):
        return Path(os.environ[MULTIPROCESS_DIRECTORY])
    directory = Path(tempfile.mkdtemp(prefix="omics-metrics-"))
    os.environ[MULTIPROCESS_DIRECTORY] = str(directory)
    owner = os.getpid()
    atexit.register(_remove_if_owner, directory, owner)
    return directory


def _remove_if_owner(directory: Path, owner: int) -> None:
    """Forked workers run atexit handlers too; only the process that made the directory removes it."""
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)


def metrics_shared_across_workers() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIRECTORY))
