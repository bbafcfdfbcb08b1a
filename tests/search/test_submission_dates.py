"""Submission-date filters and the ``newest`` sort over records that know their dates."""

from __future__ import annotations

from omics.search.request import SearchFilters, SearchRequest
from omics.search.series import Series


def dated(number: int, day: str | None) -> Series:
    return Series(
        accession=f"GSE99100{number}",
        title=f"Tardigrade desiccation tolerance series {number}",
        sample_count=6,
        submission_date=day,
    )


def test_date_window_and_newest_first(fresh_engine) -> None:
    engine = fresh_engine()
    engine.add([dated(1, "2023-05-01"), dated(2, "2024-02-10"), dated(3, "2024-11-30"), dated(4, None)])

    def found(**kwargs) -> list[str]:
        filters = SearchFilters(**{k: v for k, v in kwargs.items() if k.startswith("submitted")})
        request = SearchRequest(
            query="tardigrade desiccation", filters=filters, sort=kwargs.get("sort", "newest")
        )
        return [hit.accession for hit in engine.search(request).hits]

    assert found() == ["GSE991003", "GSE991002", "GSE991001", "GSE991004"]  # unknown dates last
    assert found(submitted_after="2024-01-01") == ["GSE991003", "GSE991002"]
    assert found(submitted_before="2024-02-10") == ["GSE991002", "GSE991001"]
    assert found(submitted_after="2024-02-10", submitted_before="2024-02-10") == ["GSE991002"]
    outcome = engine.search(
        SearchRequest(query="tardigrade", filters=SearchFilters(submitted_after="2024-01-01"))
    )
    assert outcome.parsed["filters"]["submitted_after"] == "2024-01-01"
