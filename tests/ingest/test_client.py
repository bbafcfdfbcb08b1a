"""The E-utilities client against the fake NCBI server over real HTTP."""

from __future__ import annotations

import threading
import time
from datetime import date

import pybreaker
import pytest

from omics.config import IngestSettings
from omics.ingest.client import EutilsClient, NcbiUnavailable
from omics.ingest.pacing import RequestPacer
from tests.fake_ncbi import FakeNcbi, series_document

DOCS = [
    series_document(1001, "Asthma airway epithelium", "2024/01/10", pubmedids=["111"]),
    series_document(1002, "Asthma sputum cells", "2024/02/20"),
    series_document(1003, "Lung fibrosis atlas", "2024/03/05"),
]


@pytest.fixture
def ncbi():
    with FakeNcbi(DOCS, rate_limit=50) as server:
        server.faults.retry_after = 0.01
        yield server


def client_for(server: FakeNcbi, storage: str = "memory://", **overrides) -> EutilsClient:
    settings = IngestSettings(base_url=server.base_url, email="dev@example.org", **overrides)
    pacer = RequestPacer(storage, 40, "test")
    return EutilsClient(settings, pacer)


def test_history_search_and_batched_summaries(ncbi) -> None:
    client = client_for(ncbi, api_key="secret-key")
    handle = client.search_published(date(2024, 1, 1), date(2024, 2, 28))
    assert handle.count == 2 and handle.webenv
    first = client.summaries(handle, 0, 1)["result"]
    second = client.summaries(handle, 1, 1)["result"]
    assert [first[u]["accession"] for u in first["uids"]] == ["GSE1001"]
    assert [second[u]["accession"] for u in second["uids"]] == ["GSE1002"]
    for sent in ncbi.requests:
        assert sent["tool"] == "omicsoracle" and sent["email"] == "dev@example.org"
        assert sent["api_key"] == "secret-key" and sent["db"] == "gds"
    assert ncbi.requests[0]["usehistory"] == "y"


def test_accession_list_search(ncbi) -> None:
    client = client_for(ncbi)
    handle = client.search_accessions(["GSE1003", "GSE1001"])
    result = client.summaries(handle, 0, 500)["result"]
    assert sorted(result[u]["accession"] for u in result["uids"]) == ["GSE1001", "GSE1003"]


def test_retries_server_errors_malformed_json_and_timeouts(ncbi) -> None:
    client = client_for(ncbi, request_timeout=0.3)
    ncbi.faults.http_errors = 2
    ncbi.faults.malformed = 1
    assert client.search_published(date(2024, 1, 1)).count == 3
    ncbi.faults.slow, ncbi.faults.slow_seconds = 1, 1.0
    assert client.search_published(date(2024, 1, 1)).count == 3
    assert len(ncbi.requests) == 6


def test_honours_retry_after_on_429(ncbi) -> None:
    ncbi.rate_limit = 1
    ncbi.faults.retry_after = 0.5
    client = client_for(ncbi)
    started = time.monotonic()
    client.search_published(date(2024, 1, 1))
    client.search_published(date(2024, 1, 1))  # the second request inside NCBI's second: 429 once
    assert ncbi.rate_limited >= 1
    assert time.monotonic() - started >= 0.5


def test_outage_gives_up_then_breaker_fails_fast_and_recovers(ncbi) -> None:
    breaker = pybreaker.CircuitBreaker(fail_max=3, reset_timeout=0.5)
    settings = IngestSettings(base_url=ncbi.base_url)
    client = EutilsClient(settings, RequestPacer("memory://", 40, "t"), breaker=breaker, attempts=2)
    ncbi.faults.outage(0.4)
    with pytest.raises(NcbiUnavailable):
        client.search_published(date(2024, 1, 1))
    with pytest.raises(NcbiUnavailable, match="circuit open"):
        client.search_published(date(2024, 1, 1))
    sent = len(ncbi.requests)
    with pytest.raises(NcbiUnavailable, match="circuit open"):
        client.search_published(date(2024, 1, 1))
    assert len(ncbi.requests) == sent  # open: nothing reaches NCBI
    time.sleep(0.6)
    assert client.search_published(date(2024, 1, 1)).count == 3  # half-open probe succeeds


def test_rate_is_shared_through_redis_by_every_client(ncbi, redis_url) -> None:
    """Two clients (as two processes would) together stay within 5 requests a second."""
    ncbi.rate_limit = 1000
    clients = [
        EutilsClient(IngestSettings(base_url=ncbi.base_url), RequestPacer(redis_url, 5, "shared-test"))
        for _ in range(2)
    ]
    started = time.monotonic()
    threads = [
        threading.Thread(target=lambda c=c: [c.search_published(date(2024, 1, 1)) for _ in range(6)])
        for c in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started >= 2.0  # 12 requests at 5/s need more than two windows
    assert ncbi.rate_limited == 0
