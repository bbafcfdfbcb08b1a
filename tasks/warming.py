"""Cache warming: recompute the most requested searches before users ask for them again.

Warming replays the most requested searches (the popularity list the cache keeps in Redis) as
ordinary anonymous searches through the real search task, so they land under exactly the keys
anonymous users hit (Superset #18933: warm under the identity whose keys users will use). Beat
runs it on a schedule, and every few seconds checks whether the corpus version moved; when it
did, old entries are dropped everywhere and the popular searches are recomputed before users
ask for them again.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from omics.cache.keys import cache_key, request_from_canonical
from omics.cache.system import corpus_version
from tasks.celery_app import omics_app
from tasks.searching import run_search

log = logging.getLogger(__name__)


@shared_task(bind=True, name="omics.maintenance.warm_cache")  # type: ignore[untyped-decorator]  # celery ships no type hints
def warm_cache(self: Any, only_if_changed: bool = False, top: int | None = None) -> dict[str, int]:
    """Recompute the most requested searches that are not cached for the current corpus."""
    app = omics_app(self)
    services, cache = app.services, app.cache
    version = corpus_version(services.engine)
    previous = cache.warmed_version()
    if only_if_changed and previous == version:
        return {"version": version, "warmed": 0, "cached": 0}
    if previous is not None and previous != version:
        cache.corpus_changed(version)
    warmed = cached = 0
    for canonical, _count in cache.stats.hottest(top or services.settings.cache.warm_top):
        request = request_from_canonical(canonical)
        if cache.cache.peek(cache_key(request, version)):
            cached += 1
            continue
        search_id = services.store.ids.new()
        if cache.claim_flight(request, version, None, search_id)[1]:
            services.lifecycle.start(request, None, search_id)
            app.tasks[run_search.name](search_id)  # in this worker: warming is the job
            warmed += 1
    cache.set_warmed_version(version)
    cache.stats.trim_popular(max(1000, 20 * services.settings.cache.warm_top))
    log.info("cache warming for corpus v%s: %d recomputed, %d already cached", version, warmed, cached)
    return {"version": version, "warmed": warmed, "cached": cached}
