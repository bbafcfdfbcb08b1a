"""The product's roles as real child processes, for system tests that start, stop and kill them."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def data_dir_with_built_artefacts(source: Path, target: Path) -> Path:
    """A data directory of its own with ``source``'s built index and vocabulary (no rebuild):
    processes started on it share no database or cache file with the test session. Whichever
    index backend the session runs (``OMICS_INDEX_BACKEND``) built its index there."""
    for index in ("index", "shared-index"):
        if (source / index).exists():
            shutil.copytree(source / index, target / index)
    for cached in source.glob("vocabulary-*"):
        shutil.copy(cached, target / cached.name)
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Processes:
    """Named ``python app.py`` processes sharing one environment, each logging to its own file."""

    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = env
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str, cwd: Path) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "app.py", *args], cwd=cwd, env=self.env, stdout=log, stderr=log
        )
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def stop(self, *names: str) -> None:
        """SIGTERM (a graceful stop: workers finish what they hold), then wait; kill stragglers."""
        chosen = [self.running[name] for name in names or tuple(self.running)]
        for process in chosen:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in chosen:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    def wait_ready(self, url: str, deadline: float, log_name: str, probe: str = "/health/ready") -> None:
        """Until ``url``'s ``probe`` answers 200; fails at once when any process has exited."""
        while True:
            try:
                if requests.get(f"{url}{probe}", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            for name, process in self.running.items():
                assert process.poll() is None, f"{name} exited:\n{self.log(name)[-3000:]}"
            assert time.monotonic() < deadline, f"{url} not ready:\n{self.log(log_name)[-3000:]}"
            time.sleep(0.5)
