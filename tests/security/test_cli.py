"""``app.py create-user``, ``audit-verify`` and ``flower`` as an operator runs them.

Most cases call ``app.main`` in this process (the same parser and code as the command line,
without paying for an interpreter start each time); one runs the real ``python app.py``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import main
from omics.config import REPOSITORY_ROOT
from omics.security.database import SQLITE_FILENAME

PASSWORD = "operator chosen password"
_ISOLATED = (
    "DATABASE_URL",
    "OMICS_PASSWORD",
    "OMICS_FLOWER_USER",
    "OMICS_FLOWER_PASSWORD",
    "OMICS_SECRET_KEY",
    "OMICS_AUDIT_KEY",
)


class Operator:
    """Runs ``app.py`` subcommands against one data directory with a clean environment."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path
    ) -> None:
        self.monkeypatch, self.capsys, self.data_dir = monkeypatch, capsys, data_dir
        for name in _ISOLATED:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("OMICS_DATA_DIR", str(data_dir))

    def run(self, *args: str, **env: str) -> tuple[int, str]:
        with self.monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            try:
                main(list(args))
                code, message = 0, ""
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
                message = "" if isinstance(exit_.code, int) else str(exit_.code)
        captured = self.capsys.readouterr()
        return code, captured.out + captured.err + message


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Operator:
    operator = Operator(monkeypatch, capsys, tmp_path)
    for name, role in (("dana", "admin"), ("eli", "researcher")):
        code, output = operator.run("create-user", name, "--role", role, OMICS_PASSWORD=PASSWORD)
        assert code == 0, output
    return operator


def test_create_user_refuses_bad_input_with_a_message(operator: Operator) -> None:
    for args, env in (
        (("dana", "--role", "admin"), {"OMICS_PASSWORD": PASSWORD}),
        (("fay", "--role", "researcher"), {"OMICS_PASSWORD": "short"}),
        (("fay", "--role", "root"), {"OMICS_PASSWORD": PASSWORD}),
    ):
        code, output = operator.run("create-user", *args, **env)
        assert code != 0 and output, args


def test_password_stored_hashed_and_never_in_output(operator: Operator) -> None:
    with sqlite3.connect(operator.data_dir / SQLITE_FILENAME) as db:
        stored = [row[0] for row in db.execute("SELECT password_hash FROM users")]
        audit_rows = " ".join(str(row) for row in db.execute("SELECT * FROM audit_entries"))
    assert len(stored) == 2 and all(value.startswith("$argon2id$") for value in stored)
    assert PASSWORD not in audit_rows and "user_create" in audit_rows


def test_audit_verify_detects_edits_and_deletions(operator: Operator) -> None:
    code, output = operator.run("audit-verify")
    assert code == 0 and "intact: 2 entries" in output
    with sqlite3.connect(operator.data_dir / SQLITE_FILENAME) as db:
        db.execute("UPDATE audit_entries SET target = 'mallory' WHERE seq = 1")
    code, output = operator.run("audit-verify")
    assert code == 1 and "entry 1 was altered" in output
    with sqlite3.connect(operator.data_dir / SQLITE_FILENAME) as db:
        db.execute("DELETE FROM audit_entries WHERE seq = 2")
    code, output = operator.run("audit-verify")
    assert code == 1 and "ends at entry 1 but the head records 2" in output


def test_audit_verify_exit_status_from_the_real_command(operator: Operator) -> None:
    with sqlite3.connect(operator.data_dir / SQLITE_FILENAME) as db:
        db.execute("DELETE FROM audit_entries WHERE seq = 1")
    env = {k: v for k, v in os.environ.items() if k not in _ISOLATED}
    result = subprocess.run(
        [sys.executable, "app.py", "audit-verify"],
        cwd=REPOSITORY_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "OMICS_DATA_DIR": str(operator.data_dir)},
    )
    assert result.returncode == 1 and "missing" in result.stderr and "Traceback" not in result.stderr


def test_flower_refuses_to_start_without_credentials(operator: Operator) -> None:
    code, output = operator.run("flower")
    assert code != 0 and "OMICS_FLOWER_PASSWORD" in output


@pytest.mark.parametrize(
    ("user", "password"),
    [("ops", "correct,horse battery"), ("ops,admin", "a long flower password"), ("ops:x", "a long password")],
)
def test_flower_refuses_credentials_its_option_parser_would_split(
    operator: Operator, user: str, password: str
) -> None:
    """Flower splits ``--basic-auth`` at commas: ``a,b`` would let ``a`` and ``b`` log in, not ``a,b``."""
    code, output = operator.run("flower", OMICS_FLOWER_USER=user, OMICS_FLOWER_PASSWORD=password)
    assert code != 0 and "comma" in output


def test_flower_credentials_without_separators_are_passed_whole(operator: Operator) -> None:
    from omics.config import Settings
    from omics.security.cli import flower_basic_auth

    operator.monkeypatch.setenv("OMICS_FLOWER_USER", "ops")
    operator.monkeypatch.setenv("OMICS_FLOWER_PASSWORD", "p@ss w:rd;42")
    assert flower_basic_auth(Settings.from_env()) == "--basic-auth=ops:p@ss w:rd;42"


def test_audit_verify_checks_the_key_and_the_anchor_outside_the_database(operator: Operator) -> None:
    code, output = operator.run("audit-verify")
    assert code == 0 and "HMAC-keyed from entry 1" in output and "2 anchors" in output
    assert (operator.data_dir / ".audit_key").stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(operator.data_dir / SQLITE_FILENAME) as db:  # cut the end, rewind the head
        (first_hash,) = db.execute("SELECT entry_hash FROM audit_entries WHERE seq = 1").fetchone()
        db.execute("DELETE FROM audit_entries WHERE seq = 2")
        db.execute("UPDATE audit_head SET seq = 1, last_hash = ?", (first_hash,))
    code, output = operator.run("audit-verify")
    assert code == 1 and "entries up to 2 were anchored" in output
    code, output = operator.run("audit-verify", OMICS_AUDIT_KEY="not the key the chain was written with")
    assert code == 1 and "not the chain's audit key" in output


def test_a_command_run_in_this_process_configures_logging(operator: Operator) -> None:
    """``main`` sends the root logger to stderr, here this test's captured stderr, closed once it
    ends; the next test logs after it."""
    code, _output = operator.run("audit-verify")
    assert code == 0 and logging.getLogger().handlers


def test_a_record_logged_after_that_command_is_printed_not_lost(capsys: pytest.CaptureFixture[str]) -> None:
    """A live server's request log (or any record) after an in-process command must not fail
    on the command's closed stream ("--- Logging error ---" and a traceback, in CI's output)."""
    logging.getLogger("werkzeug").warning("a request after the command")
    assert "Logging error" not in capsys.readouterr().err
