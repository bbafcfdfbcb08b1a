"""Facet counts and exact filters (omics.search.facets) over a handful of records built here."""

from __future__ import annotations

import numpy as np
import pytest

from omics.search.facets import MetadataColumns
from omics.search.request import SearchFilters
from omics.search.series import Series

ARRAY = "Expression profiling by array"
RNA_SEQ = "Expression profiling by high throughput sequencing"
CHIP_SEQ = "Genome binding/occupancy profiling by high throughput sequencing"


def record(
    accession: str, organisms: tuple[str, ...], kind: str, platforms: tuple[str, ...], samples: int | None
) -> Series:
    return Series(
        accession, "t", organisms=organisms, series_types=(kind,), platforms=platforms, sample_count=samples
    )


RECORDS = [
    record("GSE1", ("Homo sapiens",), ARRAY, ("GPL570",), 8),
    record("GSE2", ("Homo sapiens", "Mus musculus"), RNA_SEQ, ("GPL570", "GPL1261"), 50),  # both organisms
    record("GSE3", ("Mus musculus",), RNA_SEQ, ("GPL1261",), 1200),
    record("GSE4", ("Danio rerio",), CHIP_SEQ, ("GPL2",), None),  # sample count unknown
    record("GSE5", ("Homo sapiens",), ARRAY, ("GPL570",), 199),
]


@pytest.fixture
def columns() -> MetadataColumns:
    built = MetadataColumns()
    built.extend(RECORDS)
    return built


def mask(*docs: int) -> np.ndarray:
    out = np.zeros(len(RECORDS), dtype=bool)
    out[list(docs)] = True
    return out


def matching(columns: MetadataColumns, **filters: object) -> list[str]:
    wanted = columns.filter_mask(SearchFilters(**filters))  # type: ignore[arg-type]
    return [RECORDS[doc].accession for doc in np.flatnonzero(wanted)]


def test_facets_count_every_value_over_the_match_set_most_frequent_first(columns: MetadataColumns) -> None:
    facets = columns.facets(mask(0, 1, 2, 3, 4))
    assert list(facets["organism"].items()) == [("Homo sapiens", 3), ("Mus musculus", 2), ("Danio rerio", 1)]
    assert facets["series_type"] == {ARRAY: 2, RNA_SEQ: 2, CHIP_SEQ: 1}
    assert facets["platform"] == {"GPL570": 3, "GPL1261": 2, "GPL2": 1}


def test_sample_size_bands_count_each_match_once_with_unknown_counts_apart(columns: MetadataColumns) -> None:
    bands = columns.facets(mask(0, 1, 2, 3, 4))["sample_size"]
    assert bands == {"0-9": 1, "10-49": 0, "50-199": 2, "200-999": 0, "1000+": 1, "unknown": 1}
    assert sum(bands.values()) == len(RECORDS)


def test_facets_count_only_the_matches_and_omit_values_with_none(columns: MetadataColumns) -> None:
    facets = columns.facets(mask(2, 3))
    assert facets["organism"] == {"Mus musculus": 1, "Danio rerio": 1}
    assert "Homo sapiens" not in facets["organism"]
    assert facets["sample_size"]["1000+"] == 1 and facets["sample_size"]["unknown"] == 1
    empty = columns.facets(mask())
    assert empty["organism"] == {} and sum(empty["sample_size"].values()) == 0


def test_organism_and_type_filters_are_exact_any_of_and_ignore_case(columns: MetadataColumns) -> None:
    assert matching(columns, organisms=("homo SAPIENS",)) == ["GSE1", "GSE2", "GSE5"]
    assert matching(columns, organisms=("Mus musculus", "Danio rerio")) == ["GSE2", "GSE3", "GSE4"]
    assert matching(columns, organisms=("Homo",)) == []  # exact names, not substrings
    assert matching(columns, series_types=(RNA_SEQ,)) == ["GSE2", "GSE3"]
    assert matching(columns, organisms=("Homo sapiens",), series_types=(RNA_SEQ,)) == ["GSE2"]  # all filters
    assert matching(columns) == ["GSE1", "GSE2", "GSE3", "GSE4", "GSE5"]  # no filter, no restriction


def test_sample_size_bounds_are_inclusive_and_unknown_counts_fail_them(columns: MetadataColumns) -> None:
    assert matching(columns, min_samples=50) == ["GSE2", "GSE3", "GSE5"]
    assert matching(columns, max_samples=50) == ["GSE1", "GSE2"]
    assert matching(columns, min_samples=50, max_samples=199) == ["GSE2", "GSE5"]
    assert "GSE4" not in matching(columns, min_samples=0)


def test_platform_mask_finds_the_series_run_on_a_platform(columns: MetadataColumns) -> None:
    assert columns.platform_mask(["gpl1261"]).tolist() == [False, True, True, False, False]


def test_filter_masks_are_cached_read_only_and_refreshed_when_records_are_added(
    columns: MetadataColumns,
) -> None:
    mice = SearchFilters(organisms=("Mus musculus",))
    first = columns.filter_mask(mice)
    assert columns.filter_mask(mice) is first
    with pytest.raises(ValueError):
        first[0] = True  # shared between searches: nobody may change it
    columns.extend([Series("GSE6", "f", organisms=("Mus musculus",), sample_count=3)])
    grown = columns.filter_mask(mice)
    assert grown.tolist() == [False, True, True, False, False, True]
    assert columns.facets(np.ones(columns.size, dtype=bool))["organism"]["Mus musculus"] == 3
