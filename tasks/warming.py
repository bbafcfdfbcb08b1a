"""The cache side of the tasks: remember completed searches, end flights, warm popular searches.

Warming replays the most requested searches (the popularity list the cache keeps in Redis) as
ordinary anonymous searches through the real search task, so they land under exactly the keys
anonymous users hit (Superset #18933: warm under the identity whose keys users will use). Beat
runs it on a schedule, and every few seconds checks whether the corpus version moved; when it
did, old entries are dropped everywhere and the popular searches are recomputed before users
ask for them again.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import Celery, shared_task
from flask_caching.backends.rediscache import RedisCache

from omics.cache.keys import cache_key, request_from_canonical
from omics.cache.system import CacheSystem, corpus_version, shared_cache
from omics.search_store import SearchState
from tasks.celery_app import context

log = logging.getLogger(__name__)

WARM_TASK = "omics.maintenance.warm_cache"


def cache_of(app: Celery) -> CacheSystem:
    return shared_cache(app.omics_redis_url, app.omics_settings,  # type: ignore[attr-defined]
                        l2_backend_class=RedisCache)


def remember_completed(app: Celery, state: SearchState, document: dict[str, Any]) -> None:
    """Store a just-completed search in every tier, then let waiting duplicates go."""
    cache = cache_of(app)
    cache.remember_search(state.request, document["corpus_version"], {
        "search_id": state.id, "owner": state.owner, "response": None}, document)
    cache.flights.release(state.id)


@shared_task(bind=True, name=WARM_TASK)
def warm_cache(self: Any, only_if_changed: bool = False, top: int | None = None) -> dict[str, int]:
    """Recompute the most requested searches that are not cached for the current corpus."""
    from tasks.search import run_search  # the search task imports this module

    ctx = context(self.app)
    cache = cache_of(self.app)
    version = corpus_version(ctx.engine)
    previous = cache.warmed_version()
    if only_if_changed and previous == version:
        return {"version": version, "warmed": 0, "cached": 0}
    if previous is not None and previous != version:
        cache.corpus_changed(version)
    warmed = cached = 0
    for canonical, _count in cache.stats.hottest(top or ctx.settings.cache.warm_top):
        request = request_from_canonical(canonical)
        if cache.cache.peek(cache_key(request, version)):
            cached += 1
            continue
        search_id = uuid.uuid4().hex
        if cache.claim_flight(request, version, None, search_id)[1]:
            ctx.store.create(request, None, search_id=search_id)
            run_search(search_id)
            warmed += 1
    cache.set_warmed_version(version)
    cache.stats.trim_popular(max(1000, 20 * ctx.settings.cache.warm_top))
    log.info("cache warming for corpus v%s: %d recomputed, %d already cached", version, warmed, cached)
    return {"version": version, "warmed": warmed, "cached": cached}
