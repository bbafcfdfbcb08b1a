"""Starting a search: from cache at once, joined to an identical one in flight, or queued anew.

``submit`` answers 200 with the completed search exactly as ``GET /api/v2/searches/{id}``
renders it when the cache has it; otherwise it joins the search already computing the same
request for the same owner (single flight) or stores and queues a new one. A search lives in
the search store for its owner only, so a hit for another caller, or one whose search Redis has
since lost (an L3 hit after a flush), is restored from the cached full result as a new
completed search of that caller, with a ``completed`` event so its WebSocket ends normally.
``run_now`` is the synchronous path that the deprecated v1 API transforms.

A hit must not tell a caller that someone else ran the same search: only a caller's own
repeats (the same user, or the same address for anonymous callers, asked for this key
before) are answered 200 from cache with ``X-Cache: <tier>``. For anyone else a hit looks
like a miss: 202 and ``X-Cache: miss``, with the search already completed from the cached
result. Anonymous callers from different addresses do not join each other's searches in
flight either.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, g

from omics.cache.hierarchy import Lookup
from omics.cache.system import corpus_version
from omics.search.budget import SearchOverBudget
from omics.search.presentation import completed_document
from omics.search.request import SearchRequest
from omics.web.admission import check_backlog, check_query, claim_slot, release_slot, synchronous_slot
from omics.web.audit_trail import client_ip
from omics.web.errors import ApiError
from omics.web.identity import Identity, owns
from omics.web.metrics import SEARCHES_SUBMITTED
from omics.web.state import current_state
from omics.web.stored_searches import present, search_links
from tasks.backlog import search_priority
from tasks.searching import enqueue_search


def check_examples(request: SearchRequest) -> None:
    """422 when a ``similar_to`` accession is not in the corpus (the engine cannot use it)."""
    if not request.similar_to:
        return
    engine = current_state().services.engine
    unknown = [accession for accession in request.similar_to if engine.get(accession) is None]
    if unknown:
        raise ApiError(422, "unknown accessions in similar_to", details={"similar_to": unknown})


def _queue(request: SearchRequest, identity: Identity, search_id: str) -> tuple[int, dict[str, Any]]:
    """Store a new search owned by ``identity`` and queue it (admitted: backlog, caller's bound)."""
    state = current_state()
    check_backlog()
    claim_slot(search_id)
    try:
        state.services.lifecycle.start(request, identity.subject, search_id)
        enqueue_search(state.celery, search_id, search_priority(identity.subject is not None))
    except Exception:
        release_slot(search_id)
        raise
    SEARCHES_SUBMITTED.inc()
    return 202, {"id": search_id, "status": "queued", "links": search_links(search_id)}


def _principal(identity: Identity) -> str:
    return f"user:{identity.subject}" if identity.subject else f"ip:{client_ip()}"


def _asked_before(principal: str, key: str) -> bool:
    """Whether ``principal`` submitted this search before (and remember that it has).

    The corpus version is left out of ``key``: asking again after an ingest is still one's own
    repeat, so a search warming recomputed for the new corpus answers 200 to those who asked.
    """
    state = current_state()
    search = key.partition(":")[2]
    marker = "omics:cache:asked:" + hashlib.sha256(f"{principal}|{search}".encode()).hexdigest()[:40]
    first = state.services.redis.set(marker, 1, nx=True, ex=state.settings.cache.l2_ttl)
    return not first


def _as_a_miss(found: Lookup, request: SearchRequest, identity: Identity) -> dict[str, Any] | None:
    """Someone else's cached search, answered as a new search of this caller that is done at once."""
    document = current_state().cache.full_document(found.key)
    if document is None:
        return None
    stored = current_state().services.lifecycle.restore(request, identity.subject, document)
    return {"id": stored.id, "status": "queued", "links": search_links(stored.id)}


def submit(request: SearchRequest, identity: Identity) -> tuple[int, dict[str, Any]]:
    """200 with the caller's own cached search, else 202 with the (possibly shared) search."""
    check_query(request)
    state = current_state()
    system, services = state.cache, state.services
    version = corpus_version(services.engine)
    found = system.lookup(request, version)
    principal = _principal(identity)
    own_repeat = _asked_before(principal, found.key)
    g.cache_tier = "miss"
    if found.entry is not None and own_repeat:
        answer = _answer_from(found, request, version, identity)
        if answer is not None:
            g.cache_tier = found.tier or "miss"
            return 200, answer
    elif found.entry is not None:
        disguised = _as_a_miss(found, request, identity)
        if disguised is not None:
            return 202, disguised
    check_examples(request)
    search_id = services.store.ids.new()
    while True:
        followed, started = system.claim_flight(request, version, principal, search_id)
        if started:
            try:
                return _queue(request, identity, search_id)
            except Exception:
                system.flights.release(search_id)
                raise
        joined = services.store.get(followed)
        if joined is None or joined.status != "failed":
            break
        system.flights.release(followed)  # a failed search is not worth following: start anew
    if joined is not None and joined.status == "completed":
        return 200, present(joined, None, None)
    status = joined.status if joined is not None else "queued"
    return 202, {"id": followed, "status": status, "links": search_links(followed)}


def _answer_from(
    found: Lookup, request: SearchRequest, version: int, identity: Identity
) -> dict[str, Any] | None:
    """The cached search as this caller may see it (rendered once, then sent as stored).

    L1 and L2 entries are younger than the search they name (their TTLs are shorter than the
    search store's), so their rendered page is sent without asking Redis; an L3 entry may
    outlive its search, so its search is checked and, when gone, restored from the full result
    kept in L3 (None if that is gone too: the caller computes the search again).
    """
    assert found.entry is not None
    cached = found.entry.document()
    if cached["response"] is not None and cached["owner"] == identity.subject and found.tier != "l3":
        response: dict[str, Any] = cached["response"]
        return response
    system, services = current_state().cache, current_state().services
    original = services.store.get(cached["search_id"])
    stored = original
    if stored is None or stored.status != "completed" or not owns(identity, stored.owner):
        document = system.full_document(found.key)
        if document is None:
            return None
        stored = services.lifecycle.restore(request, identity.subject, document)
    response = present(stored, None, None)
    if original is None or stored.owner == cached["owner"]:
        system.remember_search(
            request, version, {"search_id": stored.id, "owner": stored.owner, "response": response}
        )
    return response


def cache_header(response: Response) -> Response:
    """``X-Cache: l1|l2|l3|miss`` on search submissions, so clients and benchmarks can tell."""
    tier = g.get("cache_tier")
    if tier is not None:
        response.headers["X-Cache"] = tier
    return response


def run_now(request: SearchRequest, offset: int, limit: int) -> dict[str, Any]:
    """Run a search in this process and return its document with results ``offset..+limit``."""
    check_query(request)
    check_examples(request)
    engine = current_state().services.engine
    with synchronous_slot():
        try:
            outcome = engine.search(request, lambda stage, progress, detail: None)
        except SearchOverBudget as over:
            raise ApiError(503, str(over), code="search_timeout", retry_after=5) from None
    return completed_document(engine, request, outcome, offset, limit)
