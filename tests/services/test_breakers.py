"""A circuit breaker's state is visible: in its instance's health and on /metrics."""

from __future__ import annotations

from datetime import date
from typing import Any

import pybreaker
import pytest

from omics.config import IngestSettings
from omics.ingest.client import EutilsClient, NcbiUnavailable
from omics.ingest.pacing import RequestPacer
from omics.services import Heartbeat, Instance, Registry, liveness_only, watch_breaker
from tests.fake_ncbi import FakeNcbi, series_document
from tests.services.test_service_metrics import samples


def test_an_open_breaker_shows_in_the_instance_health_and_on_metrics(client: Any, redis_client: Any) -> None:
    breaker = pybreaker.CircuitBreaker(fail_max=1, reset_timeout=60)
    with FakeNcbi([series_document(990201, "Breaker test series", "2024/03/02")], rate_limit=100) as ncbi:
        eutils = EutilsClient(
            IngestSettings(base_url=ncbi.base_url),
            RequestPacer("memory://", 40, "t"),
            breaker=breaker,
            attempts=1,
        )
        watch_breaker("ncbi", breaker)
        ncbi.faults.outage(5)
        with pytest.raises(NcbiUnavailable):
            eutils.search_published(date(2024, 1, 1))
    registry = Registry(redis_client, 30)
    heartbeat = Heartbeat(registry, Instance.new("worker"), liveness_only, 60)
    heartbeat.beat()
    try:
        [record] = [i for i in registry.instances() if i.instance_id == heartbeat.instance.instance_id]
        assert record.health["breakers"]["ncbi"] == "open"
        figures = samples(client.get("/metrics").get_data(as_text=True))
        series = ("breaker", "ncbi"), ("instance", record.instance_id)
        assert figures[("omics_breaker_open", series)] == 1
    finally:
        heartbeat.stop()
        breaker.close()  # the process's "ncbi" breaker, as other tests' heartbeats will report it
