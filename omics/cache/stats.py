"""Cache analytics: per-tier hits, misses, promotions, evictions, errors and latency, hit
ratio, hottest searches, and recommendations derived from those numbers.

Every event is counted twice: in this process's Prometheus metrics (``/metrics``) and in a
shared Redis hash that the admin endpoint reads, so its figures cover every web process.
Redis writes are batched by a background flusher once a second, so a cache hit costs no Redis
round trip for bookkeeping; while Redis is down the deltas are kept and sent later.

The request popularity that warming replays lives here too (a Redis sorted set of canonical
requests): it is the same number as "hottest queries".
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any, cast

import redis
from prometheus_client import Counter as PrometheusCounter
from prometheus_client import Histogram
from redis.typing import ZSetScoredMembers

from omics.connections.redis import as_text

TIERS: tuple[str, ...] = ("l1", "l2", "l3")
EVENTS: tuple[str, ...] = ("hit", "miss", "promotion", "eviction", "error", "store")

CACHE_EVENTS = PrometheusCounter(
    "omics_cache_events",
    "Search cache events by tier (hit, miss, promotion into, eviction, error, store)",
    ["tier", "event"],
)
CACHE_LOOKUP_SECONDS = Histogram(
    "omics_cache_lookup_seconds",
    "Time to look one key up in a cache tier",
    ["tier"],
    buckets=(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1),
)
CACHE_REQUESTS = PrometheusCounter(
    "omics_cache_requests", "Searches looked up in the cache, by outcome (hit or miss)", ["outcome"]
)


class CacheStats:
    """Counts cache events locally and in Redis; reads them back with recommendations."""

    def __init__(self, client: redis.Redis, namespace: str, flush_interval: float = 1.0) -> None:
        self._client = client
        self._counters_key = f"{namespace}:stats"
        self._popular_key = f"{namespace}:popular"
        self._flush_interval = flush_interval
        self._pending: Counter[str] = Counter()
        self._pending_popular: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._stopped = threading.Event()

    def lookup(self, tier: str, hit: bool, seconds: float) -> None:
        event = "hit" if hit else "miss"
        CACHE_EVENTS.labels(tier, event).inc()
        CACHE_LOOKUP_SECONDS.labels(tier).observe(seconds)
        self._add({f"{tier}:{event}": 1, f"{tier}:latency_us": round(seconds * 1e6)})

    def event(self, tier: str, event: str, count: int = 1) -> None:
        if count:
            CACHE_EVENTS.labels(tier, event).inc(count)
            self._add({f"{tier}:{event}": count})

    def request(self, canonical: str, hit: bool) -> None:
        """One search looked up: counts its outcome and its popularity."""
        outcome = "hit" if hit else "miss"
        CACHE_REQUESTS.labels(outcome).inc()
        with self._lock:
            self._pending[f"requests:{outcome}"] += 1
            self._pending_popular[canonical] += 1
        self._ensure_flusher()

    def _add(self, deltas: dict[str, int]) -> None:
        with self._lock:
            self._pending.update(deltas)
        self._ensure_flusher()

    def _ensure_flusher(self) -> None:
        if self._flusher is None:
            with self._lock:
                if self._flusher is None:
                    self._flusher = threading.Thread(
                        target=self._flush_forever, name="cache-stats", daemon=True
                    )
                    self._flusher.start()

    def _flush_forever(self) -> None:
        while not self._stopped.wait(self._flush_interval):
            self.flush()

    def flush(self) -> bool:
        """Send pending deltas to Redis; on failure keep them for the next attempt."""
        with self._lock:
            counters, popular = self._pending, self._pending_popular
            self._pending, self._pending_popular = Counter(), Counter()
        if not counters and not popular:
            return True
        try:
            pipeline = self._client.pipeline(transaction=False)
            for field, delta in counters.items():
                pipeline.hincrby(self._counters_key, field, delta)
            for member, delta in popular.items():
                pipeline.zincrby(self._popular_key, delta, member)
            pipeline.execute()
            return True
        except (redis.RedisError, OSError):
            with self._lock:
                self._pending.update(counters)
                self._pending_popular.update(popular)
            return False

    def stop(self) -> None:
        self._stopped.set()

    def hottest(self, count: int) -> list[tuple[str, int]]:
        """The most requested canonical searches, most requested first."""
        # redis-py types a ZRANGE reply as the union of its shapes with and without scores
        ranked = cast(
            ZSetScoredMembers,
            self._client.zrevrange(self._popular_key, 0, count - 1, withscores=True),
        )
        return [(as_text(member), int(score)) for member, score in ranked]

    def trim_popular(self, keep: int) -> None:
        """Bound the popularity set to the ``keep`` most requested searches."""
        self._client.zremrangebyrank(self._popular_key, 0, -keep - 1)

    def snapshot(self, hottest: int = 10) -> dict[str, Any]:
        """Every process's counters (after flushing this one's), ratios and recommendations."""
        self.flush()
        raw = {as_text(key): int(value) for key, value in self._client.hgetall(self._counters_key).items()}
        tiers = {tier: _tier_figures(raw, tier) for tier in TIERS}
        hits, misses = raw.get("requests:hit", 0), raw.get("requests:miss", 0)
        overall = {
            "requests": hits + misses,
            "hits": hits,
            "misses": misses,
            "hit_ratio": _ratio(hits, hits + misses),
        }
        return {
            "overall": overall,
            "tiers": tiers,
            "hottest": [
                {"request": json.loads(member), "count": count} for member, count in self.hottest(hottest)
            ],
            "recommendations": recommendations(overall, tiers),
        }


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _tier_figures(raw: dict[str, int], tier: str) -> dict[str, Any]:
    figures: dict[str, Any] = {event: raw.get(f"{tier}:{event}", 0) for event in EVENTS}
    lookups = figures["hit"] + figures["miss"]
    figures["hit_ratio"] = _ratio(figures["hit"], lookups)
    latency_us = raw.get(f"{tier}:latency_us", 0)
    figures["mean_latency_ms"] = round(latency_us / lookups / 1000, 4) if lookups else 0.0
    return figures


def recommendations(overall: dict[str, Any], tiers: dict[str, dict[str, Any]]) -> list[str]:
    """Plain-language advice from the counters; empty when nothing stands out."""
    advice: list[str] = []
    l1, l2, l3 = tiers["l1"], tiers["l2"], tiers["l3"]
    if l1["store"] >= 20 and l1["eviction"] > 0.2 * l1["store"]:
        advice.append(
            f"L1 evicted {l1['eviction']} of {l1['store']} stored entries: "
            "raise OMICS_CACHE_L1_SIZE so popular searches stay in process memory."
        )
    if l3["eviction"] > 0:
        advice.append(f"L3 evicted {l3['eviction']} entries: raise OMICS_CACHE_L3_MAX_ENTRIES.")
    if l2["hit"] + l2["miss"] >= 20 and l3["hit"] > l2["hit"]:
        advice.append(
            "More hits come from L3 than L2: entries outlive the Redis TTL; raise OMICS_CACHE_L2_TTL."
        )
    if l2["error"] or l3["error"]:
        advice.append(
            f"Tier errors (L2 {l2['error']}, L3 {l3['error']}): check Redis and the data "
            "directory; lookups fell through to the next tier."
        )
    if overall["requests"] >= 100 and overall["hit_ratio"] < 0.5:
        advice.append(
            f"Hit ratio {overall['hit_ratio']:.0%}: most searches are new; warm more of them "
            "(OMICS_CACHE_WARM_TOP) or lengthen the TTLs."
        )
    if overall["requests"] >= 100 and l1["hit"] + l1["miss"] and l1["hit_ratio"] < 0.3 <= l2["hit_ratio"]:
        advice.append("L2 answers what L1 misses: lengthen OMICS_CACHE_L1_TTL.")
    return advice
