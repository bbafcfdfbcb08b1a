"""Red-team findings of issue #10 closed at the web layer: each test failed on the code before."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient


def _request_series(client: FlaskClient) -> set[str]:
    text = client.get("/metrics").get_data(as_text=True)
    return {
        line.split(" ")[0]
        for line in text.splitlines()
        if line.startswith("omics_http_requests_total{") and 'endpoint="health.metrics"' not in line
    }


def test_unknown_methods_do_not_grow_the_metrics(client: FlaskClient) -> None:
    client.open("/api/v2/searches", method="BREW")  # the "other" series exists from here on
    before = _request_series(client)
    for _ in range(40):
        assert client.open("/api/v2/searches", method=f"X{uuid.uuid4().hex[:8].upper()}").status_code == 405
    after = _request_series(client)
    assert after == before
    assert any('method="other"' in series for series in after)
