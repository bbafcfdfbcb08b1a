"""Whether the service takes on a new search now: bounded queries, callers and backlog.

Three checks, cheapest first, each answering with the contract's JSON error:

- the query's complexity, counted on what the parser understood (422 ``query_too_complex``
  naming the bound and its setting);
- the searches the caller already has in flight (429 ``too_many_searches`` with
  ``Retry-After``): a caller is one principal (a user through any of their keys and tokens,
  else an address), as for rate limits, so a flood from one caller holds at most
  ``OMICS_MAX_SEARCHES_IN_FLIGHT`` workers;
- the search queue's backlog (503 ``overloaded`` with ``Retry-After``): beyond
  ``OMICS_MAX_QUEUE_BACKLOG`` waiting messages new work would only be late.

A caller's searches in flight are a sorted set in Redis of search ids scored by the time after
which they no longer count. A member stops counting when its search is finished (checked at
the next admission, so nothing has to remember to release it) or when that time passes (a
search lost with its worker cannot hold a slot for ever). v1's synchronous searches hold a
member for as long as the request runs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from omics.connections.redis import as_text
from omics.realtime.keys import TERMINAL_STATUSES, state_key
from omics.search.complexity import QueryLimits, QueryTooComplex, check_complexity
from omics.search.request import SearchRequest
from omics.web.errors import ApiError
from omics.web.rate_limits import rate_key
from omics.web.state import current_state
from tasks.backlog import search_backlog

IN_FLIGHT_HORIZON = 300  # seconds a search counts at most (queued behind a backlog, then run)
RETRY_IN_FLIGHT = 2  # Retry-After of a caller at their in-flight bound: a search takes about that
RETRY_BACKLOG = 10  # Retry-After when the queue is over its backlog bound
_SYNCHRONOUS = "v1:"  # members of v1 requests: no stored search, they count until released
_SETTINGS = {
    "terms": "OMICS_MAX_QUERY_TERMS",
    "phrases": "OMICS_MAX_QUERY_PHRASES",
    "exclusions": "OMICS_MAX_QUERY_EXCLUSIONS",
    "examples": "OMICS_MAX_QUERY_EXAMPLES",
}


def check_query(request: SearchRequest) -> None:
    """422 when the request asks for more than the configured query bounds."""
    load = current_state().settings.load
    limits = QueryLimits(
        load.max_query_terms, load.max_query_phrases, load.max_query_exclusions, load.max_query_examples
    )
    try:
        check_complexity(request, limits)
    except QueryTooComplex as too_complex:
        raise ApiError(
            422,
            f"{too_complex} (the query is too complex to run; simplify it)",
            code="query_too_complex",
            details={
                "limit": too_complex.limit,
                "found": too_complex.found,
                "allowed": too_complex.allowed,
                "setting": _SETTINGS[too_complex.limit],
            },
        ) from None


def check_backlog() -> None:
    """503 with ``Retry-After`` when more searches wait in the queue than the service accepts."""
    state = current_state()
    bound = state.settings.load.max_queue_backlog
    waiting = search_backlog(state.celery)
    if waiting >= bound:
        raise ApiError(
            503,
            f"{waiting} searches are waiting to run; try again shortly",
            code="overloaded",
            details={"waiting": waiting, "allowed": bound},
            retry_after=RETRY_BACKLOG,
        )


def _in_flight_key(principal: str) -> str:
    return f"omics:inflight:{principal}"


def claim_slot(member: str) -> None:
    """Count ``member`` (a search id) among the caller's searches in flight, or 429 at the bound."""
    state = current_state()
    client: redis.Redis = state.services.redis
    bound = state.settings.load.max_searches_in_flight
    key = _in_flight_key(rate_key())

    def admit(pipe: redis.client.Pipeline) -> None:
        now = time.time()
        members = [as_text(m) for m in pipe.zrangebyscore(key, now, "+inf")]
        done = [m for m in members if _finished(client, m)]
        if len(members) - len(done) >= bound:
            raise ApiError(
                429,
                f"{bound} of your searches are still running; wait for one to finish",
                code="too_many_searches",
                details={"in_flight": len(members) - len(done), "allowed": bound},
                retry_after=RETRY_IN_FLIGHT,
            )
        pipe.multi()
        pipe.zremrangebyscore(key, "-inf", now)
        if done:
            pipe.zrem(key, *done)
        pipe.zadd(key, {member: now + IN_FLIGHT_HORIZON})
        pipe.expire(key, IN_FLIGHT_HORIZON)

    client.transaction(admit, key)


def release_slot(member: str) -> None:
    current_state().services.redis.zrem(_in_flight_key(rate_key()), member)


@contextmanager
def synchronous_slot() -> Iterator[None]:
    """A slot held while a v1 search runs in this request."""
    member = _SYNCHRONOUS + uuid.uuid4().hex
    claim_slot(member)
    try:
        yield
    finally:
        release_slot(member)


def _finished(client: redis.Redis, member: str) -> bool:
    if member.startswith(_SYNCHRONOUS):
        return False
    status = client.hget(state_key(member), "status")
    return status is not None and as_text(status) in TERMINAL_STATUSES
