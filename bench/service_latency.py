"""Service latency: empty request, uncached v1 search, v2 search to ``completed`` (medians).

Starts Redis, one worker and one web role (see ``service_stack.py``), then from one client:
``GET /health/live``; ``GET /api/v1/search`` with a query never asked before (so no cache
tier can answer); ``POST /api/v2/searches`` followed over the WebSocket until ``completed``.
Targets: v1 median <= 10x the empty request; v2 median <= 25x.

    python bench/service_latency.py [--worker-class gevent|gthread] [--rounds 60]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid

import requests
import websocket
from service_stack import median_ms, stack

TOPICS = [
    "asthma",
    "breast cancer",
    "rheumatoid arthritis",
    "psoriasis",
    "crohn disease",
    "melanoma",
    "lupus",
    "glioblastoma",
    "sepsis",
    "obesity",
    "alzheimer",
    "influenza",
    "tuberculosis",
    "leukemia",
    "osteoarthritis",
    "colorectal cancer",
    "type 2 diabetes",
    "hepatitis",
]
QUALIFIERS = [
    "RNA-seq",
    "microarray",
    "mouse",
    "human",
    "blood",
    "tissue",
    "cells",
    "treatment",
    "time course",
    "knockout",
    "single cell",
    "biopsy",
    "patients",
    "model",
    "response",
]


def unseen_queries(count: int) -> list[str]:
    """Distinct realistic queries; each run's salt word keeps them out of every cache tier."""
    salt = uuid.uuid4().hex[:6]
    return [
        f"{TOPICS[i % len(TOPICS)]} {QUALIFIERS[(i // len(TOPICS)) % len(QUALIFIERS)]} x{salt}{i}"
        for i in range(count)
    ]


def time_empty(session: requests.Session, url: str, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        session.get(f"{url}/health/live").raise_for_status()
        samples.append(time.perf_counter() - started)
    return samples


def time_v1(session: requests.Session, url: str, queries: list[str]) -> list[float]:
    samples = []
    for query in queries:
        started = time.perf_counter()
        session.get(f"{url}/api/v1/search", params={"q": query, "limit": 20}).raise_for_status()
        samples.append(time.perf_counter() - started)
    return samples


def time_v2(session: requests.Session, url: str, ws_url: str, queries: list[str]) -> list[float]:
    samples = []
    for query in queries:
        started = time.perf_counter()
        response = session.post(f"{url}/api/v2/searches", json={"query": query})
        response.raise_for_status()
        created = response.json()
        if created.get("status") != "completed":
            ws = websocket.create_connection(f"{ws_url}{created['links']['events']}", timeout=30)
            while json.loads(ws.recv())["type"] not in ("completed", "failed"):
                pass
            ws.close()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker-class", default="gevent", help="gunicorn worker class (gevent or gthread)")
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    with stack(args.worker_class) as roles, requests.Session() as session:
        url = roles["url"]
        time_empty(session, url, 20)  # warm-up: connections, first requests
        time_v1(session, url, unseen_queries(5))
        time_v2(session, url, roles["ws_url"], unseen_queries(5))
        empty = median_ms(time_empty(session, url, args.rounds * 3))
        v1 = median_ms(time_v1(session, url, unseen_queries(args.rounds)))
        v2 = median_ms(time_v2(session, url, roles["ws_url"], unseen_queries(args.rounds)))
    print(f"web worker class: {args.worker_class}; rounds: {args.rounds}")
    print(f"empty request (GET /health/live) median: {empty:.2f} ms")
    print(f"uncached v1 search median:              {v1:.2f} ms  ({v1 / empty:.1f}x empty; target <= 10x)")
    print(f"v2 search to completed median:          {v2:.2f} ms  ({v2 / empty:.1f}x empty; target <= 25x)")


if __name__ == "__main__":
    main()
