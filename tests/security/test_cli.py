"""``app.py create-user``, ``audit-verify`` and ``flower`` as an operator runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from omics.config import REPOSITORY_ROOT
from omics.security.database import SQLITE_FILENAME

PASSWORD = "operator chosen password"


def _run(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "OMICS_PASSWORD", "OMICS_FLOWER_USER", "OMICS_FLOWER_PASSWORD"}}
    return subprocess.run([sys.executable, "app.py", *args], cwd=REPOSITORY_ROOT, capture_output=True, text=True,
                          env={**clean, "OMICS_DATA_DIR": str(data_dir), **env}, stdin=subprocess.DEVNULL,
                          timeout=120)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-data")
    for name, role in (("dana", "admin"), ("eli", "researcher")):
        created = _run(path, "create-user", name, "--role", role, OMICS_PASSWORD=PASSWORD)
        assert created.returncode == 0, created.stderr
    return path


def test_create_user_refuses_bad_input_without_a_traceback(data_dir: Path) -> None:
    for args, env in ((("dana", "--role", "admin"), {"OMICS_PASSWORD": PASSWORD}),
                      (("fay", "--role", "researcher"), {"OMICS_PASSWORD": "short"}),
                      (("fay", "--role", "researcher"), {})):
        result = _run(data_dir, "create-user", *args, **env)
        assert result.returncode != 0 and "Traceback" not in result.stderr
    assert _run(data_dir, "create-user", "fay", "--role", "root", OMICS_PASSWORD=PASSWORD).returncode == 2


def test_password_stored_hashed_and_never_in_output(data_dir: Path) -> None:
    with sqlite3.connect(data_dir / SQLITE_FILENAME) as db:
        stored = [row[0] for row in db.execute("SELECT password_hash FROM users")]
        audit_rows = " ".join(str(row) for row in db.execute("SELECT * FROM audit_entries"))
    assert len(stored) == 2 and all(value.startswith("$argon2id$") for value in stored)
    assert PASSWORD not in audit_rows and "user_create" in audit_rows


def test_audit_verify_detects_edits_and_deletions(data_dir: Path, tmp_path: Path) -> None:
    intact = _run(data_dir, "audit-verify")
    assert intact.returncode == 0 and "intact" in intact.stdout
    with sqlite3.connect(data_dir / SQLITE_FILENAME) as db:
        db.execute("UPDATE audit_entries SET target = 'mallory' WHERE seq = 1")
    edited = _run(data_dir, "audit-verify")
    assert edited.returncode == 1 and "entry 1 was altered" in edited.stderr
    with sqlite3.connect(data_dir / SQLITE_FILENAME) as db:
        db.execute("DELETE FROM audit_entries WHERE seq = 1")
    assert _run(data_dir, "audit-verify").returncode == 1


def test_flower_refuses_to_start_without_credentials(tmp_path: Path) -> None:
    result = _run(tmp_path, "flower")
    assert result.returncode != 0 and "OMICS_FLOWER_PASSWORD" in result.stderr
