"""Reading a stored v2 search as its owner sees it: access check, links, one page of results.

``present`` renders a stored search (state + one page) the same way for every caller: the
``GET`` endpoint, a cached answer and a search joined in flight.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app

from omics.realtime.search_state import SearchState
from omics.search.cursors import InvalidCursor, decode_cursor, encode_cursor
from omics.search.outcome import Hit
from omics.search.presentation import result_view, with_references
from omics.web.errors import ApiError
from omics.web.identity import Identity, owns
from omics.web.state import current_state

SEARCH_GONE = "search_gone"


def search_links(search_id: str) -> dict[str, str]:
    """The search's own link, and where its events are served: this origin unless a separate
    realtime service has a public URL (``OMICS_EVENTS_PUBLIC_URL``)."""
    path = f"/api/v2/searches/{search_id}"
    events_origin = current_state().settings.events_public_url.rstrip("/")
    return {"self": path, "events": f"{events_origin}{path}/events"}


def owned_search(search_id: str, identity: Identity) -> SearchState:
    """The stored search; 404 when it does not exist or belongs to someone else, 410
    ``search_gone`` when it was issued here but Redis no longer has it (lost with Redis's data,
    or expired): the client should submit the same search again."""
    store = current_state().services.store
    state = store.get(search_id)
    if state is None and store.ids.issued(search_id):
        raise ApiError(
            410, "this search is no longer stored; submit it again", SEARCH_GONE, {"id": search_id}
        )
    if state is None or not owns(identity, state.owner):
        raise ApiError(404, "no such search")
    return state


def head_results(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored results (the shape every release reads) in the API's HEAD shape."""
    engine = current_state().services.engine
    return [with_references(result, engine.get(result["accession"])) for result in results]


def head_search(body: dict[str, Any]) -> dict[str, Any]:
    """A search as :func:`present` renders and the cache keeps it, in the HEAD shape."""
    return {**body, "results": head_results(body["results"])} if body.get("results") else body


def cursor_key() -> bytes:
    """The key cursors are signed with, derived from the app's signing secret (always set)."""
    secret = current_app.config["JWT_SECRET_KEY"]
    return hashlib.sha256(f"omics-cursor:{secret}".encode()).digest()


def _materialise(hit: dict[str, Any]) -> dict[str, Any]:
    return result_view(current_state().services.engine, Hit.from_compact(hit))


def present(state: SearchState, cursor: str | None, page_size: int | None) -> dict[str, Any]:
    """The contract's view of a search: status, progress and, once completed, one page."""
    size = page_size or state.request.page_size
    try:
        offset = decode_cursor(cursor, state.id, cursor_key()) if cursor else 0
    except InvalidCursor as exc:
        raise ApiError(400, str(exc), details={"cursor": cursor}) from exc
    completed = state.status == "completed"
    results = current_state().services.store.page(state, offset, size, _materialise) if completed else []
    more = completed and results and offset + len(results) < state.stored
    body: dict[str, Any] = {
        "id": state.id,
        "status": state.status,
        "progress": state.progress,
        "stage": state.stage,
        "query": state.request.query,
        "similar_to": list(state.request.similar_to),
        "total": state.total if completed else None,
        "total_partial": state.total_partial if completed else None,
        "results": results,
        "facets": state.facets,
        "parsed": state.parsed,
        "next_cursor": encode_cursor(offset + len(results), state.id, cursor_key()) if more else None,
        "links": search_links(state.id),
    }
    if state.error:
        body["error"] = state.error
    return body
