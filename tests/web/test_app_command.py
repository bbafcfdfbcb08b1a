"""The README's run command, word for word: ``python app.py`` with no REDIS_URL is the whole system."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from omics.config import REPOSITORY_ROOT
from omics.connections.embedded import embedded_server_record
from tests.service_clients import connect, read_events, submit


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_python_app_py_runs_everything_in_one_process_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(OMICS_DATA_DIR=str(tmp_path / "data"), PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=REPOSITORY_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if requests.get(f"{base}/health/ready", timeout=30).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "not ready in 90 s"
            time.sleep(0.3)
        created = submit(base, {"query": "rheumatoid arthritis"})
        events, close_code = read_events(connect(f"ws://127.0.0.1:{port}", created["links"]["events"]))
        assert events[-1]["type"] == "completed" and close_code == 1000
        assert "ncbi.nlm.nih.gov/geo" in requests.get(f"{base}/static/page/common.js", timeout=10).text
        redis_pid = _embedded_redis_pid(tmp_path / "data")
        assert _alive(redis_pid)
    finally:
        process.send_signal(signal.SIGINT)  # the README's "Stop it with Ctrl-C"
        output, _ = process.communicate(timeout=30)
    assert not _port_open(port)
    assert not _alive(redis_pid), "the embedded Redis outlived its process"
    # The worker and beat stop before the embedded Redis does: no alarming errors on a normal stop.
    assert '"level": "ERROR"' not in output and "Traceback" not in output, output[-3000:]
    assert "lost Redis" not in output and "Connection to broker lost" not in output, output[-3000:]


def _embedded_redis_pid(data_dir: Path) -> int:
    """The embedded server's pid, from its record in the data directory."""
    record = embedded_server_record(data_dir)
    assert record is not None
    return record.pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
