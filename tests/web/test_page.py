"""The page at ``/`` is served with everything it needs (no build step, no external assets)."""

from __future__ import annotations

from typing import Any


def test_page_has_the_search_form_filters_and_its_script(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for element in (
        'id="search-form"',
        'id="query"',
        'id="organism"',
        'id="series-type"',
        'id="min-samples"',
        'id="progress"',
        'id="results"',
        'id="facets"',
    ):
        assert element in html
    assert "https://" not in html.split("<footer>")[0]  # nothing loaded from elsewhere
    script = client.get("/static/page/page.js")
    assert script.status_code == 200
    source = script.get_data(as_text=True)
    assert "/api/v2/searches" in source and "new WebSocket" in source
    shared = client.get("/static/page/common.js").get_data(as_text=True)
    assert "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=" in shared
    assert client.get("/static/page/page.css").status_code == 200
