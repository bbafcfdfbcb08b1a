"""The v2 search core shared by the blueprints: submit, present, and run synchronously.

``submit_search`` is deliberately one small function from a validated request and the caller
to ``(status, body)``: the cache wraps it to answer 200 with a completed search. ``present``
renders a stored search (state + one page) the same way for every caller, and ``run_now`` is
the synchronous path that the deprecated v1 API transforms.
"""

from __future__ import annotations

from typing import Any

from omics.pagination import InvalidCursor, decode_cursor, encode_cursor
from omics.search import Hit, SearchRequest
from omics.search_store import SearchState, completed_document
from omics.web.errors import ApiError
from omics.web.identity import Identity, owns
from omics.web.metrics import SEARCHES_SUBMITTED
from omics.web.services import services


def search_links(search_id: str) -> dict[str, str]:
    path = f"/api/v2/searches/{search_id}"
    return {"self": path, "events": f"{path}/events"}


def check_examples(request: SearchRequest) -> None:
    """422 when a ``similar_to`` accession is not in the corpus (the engine cannot use it)."""
    if not request.similar_to:
        return
    engine = services().engine
    unknown = [accession for accession in request.similar_to if engine.get(accession) is None]
    if unknown:
        raise ApiError(422, "unknown accessions in similar_to", details={"similar_to": unknown})


def submit_search(request: SearchRequest, identity: Identity,
                  search_id: str | None = None) -> tuple[int, dict[str, Any]]:
    """Store a new search owned by ``identity`` and queue it (``celeryconfig.task_routes``).

    The caller has checked the request's examples (:func:`check_examples`).
    """
    bound = services()
    search_id = bound.store.create(request, identity.subject, search_id)
    bound.celery.send_task("omics.search", args=[search_id])
    SEARCHES_SUBMITTED.inc()
    return 202, {"id": search_id, "status": "queued", "links": search_links(search_id)}


def owned_search(search_id: str, identity: Identity) -> SearchState:
    """The stored search, or 404 when it does not exist or belongs to someone else."""
    state = services().store.get(search_id)
    if state is None or not owns(identity, state.owner):
        raise ApiError(404, "no such search")
    return state


def _materialise(hit: dict[str, Any]) -> dict[str, Any]:
    return services().engine.result(Hit(**hit))


def present(state: SearchState, cursor: str | None, page_size: int | None) -> dict[str, Any]:
    """The contract's view of a search: status, progress and, once completed, one page."""
    size = page_size or state.request.page_size
    try:
        offset = decode_cursor(cursor, state.id) if cursor else 0
    except InvalidCursor as exc:
        raise ApiError(400, str(exc), details={"cursor": cursor}) from exc
    completed = state.status == "completed"
    results = services().store.page(state.id, offset, size, _materialise) if completed else []
    more = completed and results and offset + len(results) < state.stored
    body: dict[str, Any] = {
        "id": state.id, "status": state.status, "progress": state.progress, "stage": state.stage,
        "query": state.request.query, "similar_to": list(state.request.similar_to),
        "total": state.total if completed else None, "results": results,
        "facets": state.facets, "parsed": state.parsed,
        "next_cursor": encode_cursor(offset + len(results), state.id) if more else None,
        "links": search_links(state.id),
    }
    if state.error:
        body["error"] = state.error
    return body


def run_now(request: SearchRequest, offset: int, limit: int) -> dict[str, Any]:
    """Run a search in this process and return its document with results ``offset..+limit``."""
    check_examples(request)
    engine = services().engine
    outcome = engine.search(request, lambda stage, progress, detail: None)
    return completed_document(engine, request, outcome, offset, limit)
