"""Prometheus metrics of the web process (prometheus-client's default registry).

Request counts and latencies are recorded by hooks installed with :func:`init_metrics`;
other modules add their own counters here so ``/metrics`` exposes everything in one place.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter("omics_http_requests_total", "HTTP requests served", ["method", "endpoint", "status"])
HTTP_LATENCY = Histogram(
    "omics_http_request_seconds",
    "HTTP request latency",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
# Methods the app answers; any other (a client may send any token as a method) is counted as
# "other", so label values, and with them the number of series /metrics holds, stay bounded.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SEARCHES_SUBMITTED = Counter("omics_searches_submitted_total", "Searches queued on the search queue")
WEBSOCKETS_OPENED = Counter("omics_websockets_opened_total", "Progress WebSockets accepted")


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "other"


def _record(response: Response) -> Response:
    endpoint = request.endpoint or "unmatched"
    HTTP_REQUESTS.labels(_method_label(request.method), endpoint, str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        HTTP_LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_record)
