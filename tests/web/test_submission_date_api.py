"""The v2 API takes the date filters and the ``newest`` sort, and refuses malformed dates."""

from __future__ import annotations

import pytest

from omics.cache.keys import cache_key
from omics.search.request import SearchFilters, SearchRequest


@pytest.mark.parametrize(
    "filters",
    [
        {"submitted_after": "2024-13-01"},
        {"submitted_before": "yesterday"},
        {"submitted_after": "2024-06-01", "submitted_before": "2024-01-01"},
    ],
)
def test_bad_dates_are_refused(client, filters) -> None:
    response = client.post("/api/v2/searches", json={"query": "asthma", "filters": filters})
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]["code"]


def test_date_filters_are_part_of_the_cache_key() -> None:
    plain = SearchRequest(query="asthma")
    windowed = SearchRequest(query="asthma", filters=SearchFilters(submitted_after="2024-01-01"))
    assert cache_key(plain, 1) != cache_key(windowed, 1)
    assert cache_key(plain, 1) == cache_key(SearchRequest(query="Asthma "), 1)
