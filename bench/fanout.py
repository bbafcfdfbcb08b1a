"""Event fan-out latency: N WebSocket watchers of searches, time from XADD+PUBLISH to receipt.

Starts the roles (see ``service_stack.py``), stores searches directly in Redis (no task runs
them), opens the watchers spread over those searches, then emits each search's events through
the real event log (``omics.realtime.event_log.EventLog``, the same Lua script the task uses). Every
event carries ``emitted_at``; each watcher notes when it received it. Prints the median and
99th percentile delivery latency over all deliveries, and checks every watcher got a
contiguous sequence ending in ``completed``.

    python bench/fanout.py --watchers 200 --searches 20 [--worker-class gevent|gthread]
"""

from __future__ import annotations

import argparse
import json
import threading
import time

import websocket
from service_stack import median_ms, percentile_ms, stack, web_memory_mb

from omics.connections.redis import connect
from omics.realtime.event_log import EventLog
from omics.realtime.search_state import SearchStore
from omics.search.request import SearchRequest

STAGES = ("started", "parse", "retrieve", "rank", "facets", "finish")


class Watcher(threading.Thread):
    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.socket = websocket.create_connection(url, timeout=120)
        self.received: list[tuple[dict, float]] = []

    def run(self) -> None:
        while True:
            event = json.loads(self.socket.recv())
            self.received.append((event, time.time()))
            if event["type"] in ("completed", "failed"):
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, default=200)
    parser.add_argument("--searches", type=int, default=20)
    parser.add_argument("--worker-class", default="gevent", help="gunicorn worker class (gevent or gthread)")
    parser.add_argument("--threads", type=int, default=0, help="gthread threads (default: watchers + 16)")
    args = parser.parse_args()
    threads = args.threads or args.watchers + 16
    with stack(args.worker_class, threads=threads) as roles:
        client = connect(roles["redis_url"])
        store, events = SearchStore(client, 3600), EventLog(client, 3600)
        ids = [store.create(SearchRequest(query=f"fan-out {n}"), None) for n in range(args.searches)]
        started = time.perf_counter()
        watchers = [
            Watcher(f"{roles['ws_url']}/api/v2/searches/{ids[n % len(ids)]}/events")
            for n in range(args.watchers)
        ]
        connected = time.perf_counter() - started
        for watcher in watchers:
            watcher.start()
        time.sleep(1.0)  # every socket has registered with the web process's relay
        memory = web_memory_mb(roles["web_pid"])
        for progress, stage in enumerate(STAGES):
            for search_id in ids:
                events.emit(search_id, stage, {"type": "progress", "stage": stage, "progress": progress * 15})
            time.sleep(0.05)
        for search_id in ids:
            events.emit(search_id, "terminal", {"type": "completed", "stage": "completed", "progress": 100})
        for watcher in watchers:
            watcher.join(120)
    latencies = [
        received - event["emitted_at"] for watcher in watchers for event, received in watcher.received
    ]
    complete = sum(
        [event["seq"] for event, _ in watcher.received] == list(range(1, len(STAGES) + 2))
        and watcher.received[-1][0]["type"] == "completed"
        for watcher in watchers
    )
    print(
        f"web worker class: {args.worker_class} (threads {threads}); watchers: {args.watchers} "
        f"over {args.searches} searches; connected in {connected:.2f} s; "
        f"web role memory with them open: {memory:.0f} MB"
    )
    print(
        f"deliveries: {len(latencies)}; watchers with contiguous 1..{len(STAGES) + 1} ending completed: "
        f"{complete}/{args.watchers}"
    )
    print(
        f"fan-out latency median: {median_ms(latencies):.2f} ms; p99: {percentile_ms(latencies, 0.99):.2f} ms"
    )


if __name__ == "__main__":
    main()
