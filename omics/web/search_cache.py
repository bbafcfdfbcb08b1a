"""The cache on the v2 search path: repeated searches answered at once, identical in-flight
searches sharing one task.

``submit_cached`` wraps the service's ``submit_search``: a hit answers 200 with the completed
search exactly as ``GET /api/v2/searches/{id}`` rendered it; a miss joins the search already
computing the same request for the same owner (single flight) or starts one. A search lives in
the search store for its owner only, so a hit for another caller, or one whose search Redis has
since lost (an L3 hit after a flush), is rebuilt from the cached full result as a new completed
search of that caller, with a ``completed`` event so its WebSocket ends normally.

L2 goes through Flask-Caching's Redis backend class, on a byte-mode client.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, Response, current_app, g
from flask_caching.backends.rediscache import RedisCache

from omics.cache.hierarchy import Lookup
from omics.cache.system import CacheSystem, corpus_version, shared_cache
from omics.config import Settings
from omics.events import TERMINAL_KEY
from omics.search import SearchRequest
from omics.web.identity import Identity, owns
from omics.web.searches import check_examples, present, search_links, submit_search
from omics.web.services import services


def init_search_cache(app: Flask, settings: Settings, redis_url: str) -> CacheSystem:
    """Bind this process's cache system (Flask-Caching's Redis backend as L2) to ``app``."""
    system = shared_cache(redis_url, settings, l2_backend_class=RedisCache)
    app.extensions["omics_cache"] = system
    app.after_request(_cache_header)
    return system


def _cache_header(response: Response) -> Response:
    """``X-Cache: l1|l2|l3|miss`` on search submissions, so clients and benchmarks can tell."""
    tier = g.get("cache_tier")
    if tier is not None:
        response.headers["X-Cache"] = tier
    return response


def search_cache() -> CacheSystem:
    return current_app.extensions["omics_cache"]


def submit_cached(request: SearchRequest, identity: Identity) -> tuple[int, dict[str, Any]]:
    """200 with the completed search from cache, else 202 with the (possibly shared) search."""
    system, bound = search_cache(), services()
    version = corpus_version(bound.engine)
    found = system.lookup(request, version)
    g.cache_tier = found.tier or "miss"
    answer = _answer_from(found, request, version, identity) if found.entry is not None else None
    if answer is not None:
        return 200, answer
    g.cache_tier = "miss"
    check_examples(request)
    search_id = uuid.uuid4().hex
    while True:
        followed, started = system.claim_flight(request, version, identity.subject, search_id)
        if started:
            try:
                return submit_search(request, identity, search_id=search_id)
            except Exception:
                system.flights.release(search_id)
                raise
        state = bound.store.get(followed)
        if state is None or state.status != "failed":
            break
        system.flights.release(followed)  # a failed search is not worth following: start anew
    if state is not None and state.status == "completed":
        return 200, present(state, None, None)
    status = state.status if state is not None else "queued"
    return 202, {"id": followed, "status": status, "links": search_links(followed)}


def _answer_from(found: Lookup, request: SearchRequest, version: int,
                 identity: Identity) -> dict[str, Any] | None:
    """The cached search as this caller may see it (rendered once, then sent as stored).

    L1 and L2 entries are younger than the search they name (their TTLs are shorter than the
    search store's), so their rendered page is sent without asking Redis; an L3 entry may
    outlive its search, so its search is checked and, when gone, rebuilt from the full result
    kept in L3 (None if that is gone too: the caller computes the search again).
    """
    assert found.entry is not None
    cached = found.entry.document()
    if cached["response"] is not None and cached["owner"] == identity.subject and found.tier != "l3":
        return cached["response"]
    system, bound = search_cache(), services()
    original = bound.store.get(cached["search_id"])
    state = original
    if state is None or state.status != "completed" or not owns(identity, state.owner):
        document = system.full_document(found.key)
        if document is None:
            return None
        state = bound.store.get(_rebuild(document, request, identity))
    response = present(state, None, None)
    if original is None or state.owner == cached["owner"]:
        system.remember_search(request, version, {
            "search_id": state.id, "owner": state.owner, "response": response})
    return response


def _rebuild(document: dict[str, Any], request: SearchRequest, identity: Identity) -> str:
    """A new completed search of ``identity`` holding ``document``; returns its id."""
    bound = services()
    search_id = bound.store.create(request, identity.subject)
    bound.store.complete(search_id, document)
    bound.events.emit(search_id, TERMINAL_KEY, {
        "type": "completed", "stage": "completed", "progress": 100, "total": document["total"]})
    return search_id
