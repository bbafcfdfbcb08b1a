"""A search's hits are made when read, and read the same way every time (pages, cursors)."""

from __future__ import annotations

import pytest

from omics.search.ranked_hits import RankedHits


def hits(made: list[int]) -> RankedHits:
    def accession_of(doc: int) -> str:
        made.append(doc)
        return f"GSE{doc}"

    explained_by = (["liver"], ['"liver fibrosis"'], ["hepatic fibrosis"])
    return RankedHits([7, 3, 9, 1], [4.0, 3.0, 2.0, 1.0], accession_of, explained_by, {9: ["fibrosis"]})


def test_only_the_hits_read_are_made() -> None:
    made: list[int] = []
    ranked = hits(made)
    page = ranked[:2]
    assert [h.accession for h in page] == ["GSE7", "GSE3"] and made == [7, 3]
    assert len(ranked) == 4 and made == [7, 3]


def test_a_hit_is_the_same_object_on_every_read() -> None:
    made: list[int] = []
    ranked = hits(made)
    first = ranked[0]
    first.reasons.append("explained once")
    assert ranked[0] is first and ranked[-4] is first and next(iter(ranked)) is first
    assert made == [7]


def test_every_page_and_the_whole_list_read_as_a_list_would() -> None:
    ranked = hits([])
    plain = list(ranked)
    assert ranked[1:3] == plain[1:3] and ranked[3:] == plain[3:] and ranked[::2] == plain[::2]
    assert [(h.accession, h.score, h.missing) for h in plain] == [
        ("GSE7", 4.0, []),
        ("GSE3", 3.0, []),
        ("GSE9", 2.0, ["fibrosis"]),
        ("GSE1", 1.0, []),
    ]
    assert plain[2].terms == ["liver"] and plain[2].also == ["hepatic fibrosis"]
    with pytest.raises(IndexError):
        ranked[4]
