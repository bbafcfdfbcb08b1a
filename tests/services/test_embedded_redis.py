"""The embedded Redis is owned through its pid record (issue 10, item 19) and keeps its data
through a crash (item 18): processes killed and restarted for real, so these are system tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import redis

from omics.config import REPOSITORY_ROOT
from omics.connections import connect, start_embedded_redis, stop_embedded_redis
from omics.connections.embedded import embedded_server_record

pytestmark = pytest.mark.system

# A process that starts (or joins) the embedded Redis of a data directory, prints its URL, then
# either exits normally ("exit") or waits to be killed ("wait").
HOLDER = """
import sys, time
from pathlib import Path
from omics.connections import start_embedded_redis
print(start_embedded_redis(Path(sys.argv[1])), flush=True)
if sys.argv[2] == "wait":
    time.sleep(600)
"""


def _holder(data_dir: Path, then: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir), then],
        cwd=REPOSITORY_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def _server_alive(data_dir: Path) -> bool:
    record = embedded_server_record(data_dir)
    assert record is not None
    return _process_alive(record.pid)


def _process_alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    record = embedded_server_record(tmp_path / "data")
    if record is not None and _server_alive(tmp_path / "data"):
        os.kill(record.pid, signal.SIGKILL)  # never leave a server behind, whatever failed


def test_the_server_left_by_a_sigkilled_run_is_adopted_with_its_data_and_stopped_by_the_adopter(
    data_dir: Path,
) -> None:
    killed, url = _holder(data_dir, "wait")
    connect(url).set("survivor", "kept")
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert _server_alive(data_dir)  # orphaned: nobody would ever stop it

    adopter, adopted_url = _holder(data_dir, "exit")
    assert adopter.wait(30) == 0
    assert adopted_url == url  # adopted, answering from the same data at once ...
    deadline = time.monotonic() + 10
    while _server_alive(data_dir):  # ... and stopped when the adopting process ended
        assert time.monotonic() < deadline, "the adopted Redis outlived the process that adopted it"
        time.sleep(0.05)


def test_a_process_sharing_the_server_of_a_live_owner_leaves_it_running(data_dir: Path) -> None:
    owner, url = _holder(data_dir, "wait")
    try:
        guest, guest_url = _holder(data_dir, "exit")
        assert guest.wait(30) == 0 and guest_url == url
        assert _server_alive(data_dir) and connect(url).ping()
    finally:
        owner.send_signal(signal.SIGTERM)
        owner.wait(30)


def test_a_crashed_redis_comes_back_by_itself_with_everything_written_a_second_before(
    data_dir: Path,
) -> None:
    url = start_embedded_redis(data_dir)
    try:
        client = connect(url)  # a client of the run, its connection open when Redis dies
        client.set("omics:search:kept", "state")
        time.sleep(1.5)  # the append-only file is fsynced every second
        record = embedded_server_record(data_dir)
        assert record is not None
        os.kill(record.pid, signal.SIGKILL)  # no shutdown save: only the append-only file remains
        killed = time.monotonic()
        while _process_alive(record.pid):
            assert time.monotonic() - killed < 8
            time.sleep(0.02)
        while True:  # nobody calls start_embedded_redis again: the process brings it back
            with contextlib.suppress(redis.ConnectionError):
                if client.get("omics:search:kept") == "state":
                    break
            assert time.monotonic() - killed < 8, "the embedded Redis did not come back"
            time.sleep(0.1)
        while (back := embedded_server_record(data_dir)) is None or back.pid == record.pid:
            assert time.monotonic() - killed < 8  # recorded once it answers
            time.sleep(0.02)
        assert back.port == record.port  # the same address: clients reconnected by themselves
    finally:
        stop_embedded_redis(data_dir)
