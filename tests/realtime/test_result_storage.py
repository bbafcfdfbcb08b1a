"""What a completed search keeps in Redis (issue #10, item 20): bounded bytes, identical pages.

A search used to keep its first page rendered and every other result as a JSON row repeating
the query's words, and reading a page wrote it back rendered: ~110-230 KB a search for a day.
Packed results (``OMICS_COMPACT_RESULTS=1``) keep accessions and scores once compressed and
render pages on read; the default list layout stays readable by the previous release (rows it
renders itself) and no longer grows when read. Pages are the same in both layouts.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from omics.config import LoadSettings
from omics.realtime.keys import packed_key, results_key, state_key
from omics.realtime.search_state import SearchStore
from omics.search.outcome import Hit
from omics.search.presentation import completed_document, result_view
from omics.search.request import SearchRequest

QUERY = "breast cancer tamoxifen resistance"


def _complete(store: SearchStore, engine: Any, query: str = QUERY) -> str:
    request = SearchRequest(query=query, page_size=20)
    search_id = store.create(request, None, uuid.uuid4().hex)
    store.complete(search_id, completed_document(engine, request, engine.search(request)))
    return search_id


def _pages(store: SearchStore, engine: Any, search_id: str) -> list[dict[str, Any]]:
    state = store.get(search_id)
    assert state is not None

    def materialise(hit: dict[str, Any]) -> dict[str, Any]:
        return result_view(engine, Hit(**hit))

    return [row for offset in (0, 20, 40) for row in store.page(state, offset, 20, materialise)]


def _bytes(redis_client: Any, search_id: str) -> int:
    keys = (state_key(search_id), results_key(search_id), packed_key(search_id))
    return sum(int(redis_client.memory_usage(key, samples=0) or 0) for key in keys)


def test_packed_results_are_small_and_pages_are_identical(redis_client: Any, engine: Any) -> None:
    listed = SearchStore(redis_client, 600)
    packed = SearchStore(redis_client, 600, compact=True)
    in_list, in_pack = _complete(listed, engine), _complete(packed, engine)
    expected = completed_document(
        engine, SearchRequest(query=QUERY), engine.search(SearchRequest(query=QUERY)), 0, 60
    )

    assert _pages(listed, engine, in_list) == _pages(packed, engine, in_pack) == expected["results"]
    list_bytes, packed_bytes = _bytes(redis_client, in_list), _bytes(redis_client, in_pack)
    print(f"list layout {list_bytes:,} bytes, packed {packed_bytes:,} bytes")
    # The whole search, state hash included (was ~110-230 KB), with the other names every result
    # is explained by (a disease category's kinds among them: 11 for breast cancer).
    assert packed_bytes < 20_000 and packed_bytes * 20 < list_bytes
    assert packed_bytes * 5 < list_bytes
    assert not redis_client.exists(results_key(in_pack))
    assert redis_client.ttl(packed_key(in_pack)) > 0  # expires with its search


def test_reading_pages_does_not_grow_a_search(redis_client: Any, engine: Any) -> None:
    store = SearchStore(redis_client, 600)
    search_id = _complete(store, engine)
    before = _bytes(redis_client, search_id)
    _pages(store, engine, search_id)
    _pages(store, engine, search_id)
    assert _bytes(redis_client, search_id) == before


def test_the_default_layout_is_what_the_previous_release_reads(redis_client: Any, engine: Any) -> None:
    """Off by default: a rolling upgrade's older web processes page these searches themselves."""
    assert LoadSettings().compact_results == 0
    store = SearchStore(redis_client, 600)
    search_id = _complete(store, engine)
    assert store.get(search_id).layout == "list"  # type: ignore[union-attr]
    # Release 98899b6's reader: LRANGE, rows rendered as stored or materialised from "hit".
    rows = [json.loads(row) for row in redis_client.lrange(results_key(search_id), 0, 59)]
    assert all(set(row["hit"]) == {"accession", "score", "terms", "phrases", "also"} for row in rows)
    old_pages = [result_view(engine, Hit(**row["hit"])) for row in rows]
    assert old_pages == _pages(store, engine, search_id)


@pytest.mark.parametrize("compact", [False, True])
def test_a_search_restored_from_an_older_cached_document_keeps_its_results(
    redis_client: Any, engine: Any, compact: bool
) -> None:
    """A cached document written before ``explained_by`` existed is stored as rows it holds."""
    request = SearchRequest(query=QUERY, page_size=20)
    document = completed_document(engine, request, engine.search(request))
    del document["explained_by"]
    store = SearchStore(redis_client, 600, compact=compact)
    search_id = store.create(request, None)
    store.complete(search_id, document)
    full = completed_document(engine, request, engine.search(request), 0, 60)
    assert _pages(store, engine, search_id) == full["results"]
