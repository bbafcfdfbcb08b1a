"""Sockets one gevent web process holds while the API still answers (issue #10, item 14).

Starts one web role (``python app.py web --workers 1 --worker-class gevent --connections C``)
against ``REDIS_URL`` (else an embedded Redis), stores a search that never finishes (no worker
runs), and opens ``--sockets`` progress WebSockets to it plus ``--extra`` more, all at once
from one client process (gevent greenlets). Then, with every socket held open, it times
``GET /health/live``, ``POST /api/v2/searches``, ``GET`` of a search, and one more handshake
(refused at once with 1013 once the socket quota is full), and prints the web process's memory.

Usage: python bench/sockets.py [--sockets 2000] [--extra 100] [--connections 4000]
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402  (after monkey-patching, as gevent requires)
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
import websocket  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_stack import REPOSITORY, free_port, median_ms, percentile_ms, wait_ready, web_memory_mb  # noqa: E402

from omics.connections.redis import connect, start_embedded_redis  # noqa: E402
from omics.realtime.search_state import SearchStore  # noqa: E402
from omics.search.request import SearchRequest  # noqa: E402

TRY_AGAIN_LATER = 1013


def start_web(data_dir: Path, redis_url: str, port: int, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "OMICS_DATA_DIR": str(data_dir),
        "OMICS_RATE_LIMIT_ANONYMOUS": "10000000/minute",
        "OMICS_RATE_LIMIT_USER": "10000000/minute",
        "OMICS_WS_MAX_PER_IP": "100000",  # one client address opens them all
        "OMICS_WS_MAX_PER_PROCESS": str(args.sockets),
        "OMICS_MAX_SEARCHES_IN_FLIGHT": "100000",
    }
    command = [sys.executable, "app.py", "web", "--port", str(port), "--workers", "1"]
    command += ["--worker-class", "gevent", "--connections", str(args.connections)]
    logs = open(data_dir / "bench-web.log", "wb")  # noqa: SIM115  (lives as long as the role)
    return subprocess.Popen(command, cwd=REPOSITORY, env=env, stdout=logs, stderr=subprocess.STDOUT)


def open_socket(url: str) -> websocket.WebSocket | None:
    """A progress socket, or None when the server refused it (1013) or never answered."""
    try:
        ws = websocket.create_connection(url, timeout=30)
    except Exception:
        return None
    ws.settimeout(1.0)
    try:
        opcode, data = ws.recv_data(control_frame=True)
    except websocket.WebSocketTimeoutException:
        ws.settimeout(None)
        return ws  # held open: nothing to say until the search moves
    except Exception:
        return None
    code = int.from_bytes(data[:2], "big") if opcode == websocket.ABNF.OPCODE_CLOSE and data else None
    if code != TRY_AGAIN_LATER:
        raise RuntimeError(f"unexpected first frame: opcode {opcode}, close code {code}")
    return None


def timed(call: object, rounds: int) -> list[float]:
    """Seconds per call; a call that fails or times out (30 s) counts as infinite and ends the probe."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        try:
            call()  # type: ignore[operator]
        except (requests.RequestException, websocket.WebSocketException, OSError) as error:
            print(f"no answer: {type(error).__name__}: {error}", flush=True)
            return [*samples, float("inf")]
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=2000, help="OMICS_WS_MAX_PER_PROCESS of the run")
    parser.add_argument("--extra", type=int, default=100, help="sockets tried beyond the quota")
    parser.add_argument("--connections", type=int, default=4000, help="the web process's connection cap")
    args = parser.parse_args()

    data_dir = Path(os.environ.get("OMICS_DATA_DIR") or tempfile.mkdtemp(prefix="omics-sockets-"))
    redis_url = os.environ.get("REDIS_URL") or start_embedded_redis(data_dir)
    port = free_port()
    web = start_web(data_dir, redis_url, port, args)
    url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    try:
        wait_ready(url, path="/health/live")  # no worker runs: never "ready"
        store = SearchStore(connect(redis_url), 600)
        search_id = store.create(SearchRequest(query="a search no worker runs"), None, uuid.uuid4().hex)
        events = f"{ws_url}/api/v2/searches/{search_id}/events"

        started = time.perf_counter()
        jobs = [gevent.spawn(open_socket, events) for _ in range(args.sockets + args.extra)]
        gevent.joinall(jobs)
        held = [job.value for job in jobs if job.value is not None]
        tried = args.sockets + args.extra
        print(
            f"web process: gevent, --connections {args.connections}, OMICS_WS_MAX_PER_PROCESS {args.sockets}"
        )
        print(
            f"sockets tried {tried}, held open {len(held)}, refused (1013) or unanswered {tried - len(held)} "
            f"(opened in {time.perf_counter() - started:.1f} s)",
            flush=True,
        )

        live = timed(lambda: requests.get(f"{url}/health/live", timeout=30).raise_for_status(), 20)
        body = {"query": f"rheumatoid arthritis synovium w{uuid.uuid4().hex[:6]}"}

        def post() -> None:
            response = requests.post(f"{url}/api/v2/searches", json=body, timeout=30)
            assert response.status_code in (200, 202), response.text

        posts = timed(post, 10)
        gets = timed(
            lambda: requests.get(f"{url}/api/v2/searches/{search_id}", timeout=30).raise_for_status(), 10
        )
        extra: list[websocket.WebSocket | None] = []
        handshake = timed(lambda: extra.append(open_socket(events)), 5)
        accepted = sum(ws is not None for ws in extra)
        print(
            f"with {len(held)} sockets open: /health/live median {median_ms(live):.1f} ms p95 "
            f"{percentile_ms(live, 0.95):.1f} ms; POST /api/v2/searches median {median_ms(posts):.1f} ms; "
            f"GET search median {median_ms(gets):.1f} ms; one more handshake answered in "
            f"{median_ms(handshake):.1f} ms ({accepted} of {len(extra)} held, the others refused with 1013)"
        )
        print(f"web role memory: {web_memory_mb(str(web.pid)):.0f} MB")
        for ws in held:
            ws.close()
    finally:
        web.terminate()
        try:
            web.wait(20)
        except subprocess.TimeoutExpired:
            web.kill()


if __name__ == "__main__":
    main()
