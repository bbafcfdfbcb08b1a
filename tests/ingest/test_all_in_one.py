"""The issue's "done when", end to end: ``python app.py`` (one process: embedded Redis, worker,
beat, web) takes a curator's POST /api/v2/ingestions against the fake NCBI, and a v2 search
sent to the same running server then finds the new series, with no restart.

The server runs with ``REDIS_URL`` unset (its own embedded Redis), so no other worker of the
test session can take its searches.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests
import websocket

from tests.service_clients import read_events, wait_for

PASSWORD = "an all-in-one test password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            if requests.get(f"{url}/health/ready", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError("the server never became ready")


@pytest.mark.system
def test_a_posted_ingestion_is_found_by_a_v2_search_in_the_running_server(
    ingest_settings, ncbi, tmp_path
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env |= {
        "OMICS_DATA_DIR": str(ingest_settings.data_dir),
        "OMICS_NCBI_BASE_URL": ncbi.base_url,
        "OMICS_INGEST_BATCH_SIZE": "2",
        "OMICS_PASSWORD": PASSWORD,
        "OMICS_LOG_FORMAT": "text",
    }
    made = subprocess.run(
        [sys.executable, "app.py", "create-user", "curie", "--role", "curator"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    port = free_port()
    url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_ready(url, server)
        login = {"username": "curie", "password": PASSWORD}
        token = requests.post(f"{url}/api/v2/auth/login", json=login, timeout=10).json()["access_token"]
        who = {"Authorization": f"Bearer {token}"}
        started = requests.post(
            f"{url}/api/v2/ingestions",
            json={"since": "2024-01-01", "until": "2024-12-31"},
            headers=who,
            timeout=10,
        )
        assert started.status_code == 202, started.text
        ws = websocket.create_connection(
            f"{ws_url}{started.json()['links']['events']}",
            header=[f"Authorization: Bearer {token}"],
            timeout=120,
        )
        events, code = read_events(ws)
        assert events[-1]["type"] == "completed" and code == 1000, events[-3:]

        search = requests.post(f"{url}/api/v2/searches", json={"query": "narwhal tusk"}, timeout=10)
        assert search.status_code == 202, search.text
        found = wait_for(url, search.json()["id"], timeout=60)
        assert found["results"][0]["accession"] == "GSE990101"
        assert found["results"][0]["submission_date"] == "2024-03-02"
        dataset = requests.get(f"{url}/api/v2/datasets/GSE990101", timeout=10).json()
        assert dataset["pubmed_ids"] == ["39000001"]
        assert dataset["samples"] == [{"accession": "GSM9901011", "title": "tusk pulp 1"}]
        # A series only its sample titles tie to the condition is found, and says how.
        search = requests.post(f"{url}/api/v2/searches", json={"query": "lipodystrophy"}, timeout=10)
        by_samples = wait_for(url, search.json()["id"], timeout=60)["results"]
        assert [result["accession"] for result in by_samples] == ["GSE990102"]
        assert "2 of 4 samples mention lipodystrophy" in by_samples[0]["reasons"]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
