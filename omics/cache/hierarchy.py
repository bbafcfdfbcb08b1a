"""The tiers composed into one cache: read through in order, promote upwards, write to all.

Flask-Caching has no multi-level backend, so this is the composition: a lookup tries L1, then
L2, then L3; a hit below L1 is copied into every tier above it, so the next lookup is answered
higher up. A tier that fails counts as a miss (and an error), never as an answer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from omics.cache.entry import CacheEntry, Selector
from omics.cache.stats import CacheStats
from omics.cache.tiers import Tier, TierUnavailable


@dataclass(frozen=True)
class Lookup:
    """The outcome of one lookup: the entry (or None) and the tier that answered."""

    key: str
    entry: CacheEntry | None
    tier: str | None


class TieredCache:
    """Read-through, promote-on-hit, write-through composition of tiers (fastest first)."""

    def __init__(self, tiers: Sequence[Tier], stats: CacheStats) -> None:
        self.tiers = list(tiers)
        self._stats = stats

    def tier(self, name: str) -> Tier:
        return next(tier for tier in self.tiers if tier.name == name)

    def get(self, key: str) -> Lookup:
        for depth, tier in enumerate(self.tiers):
            started = time.perf_counter()
            try:
                entry = tier.get(key)
            except TierUnavailable:
                self._stats.event(tier.name, "error")
                continue
            self._stats.lookup(tier.name, entry is not None, time.perf_counter() - started)
            if entry is not None:
                self._write(self.tiers[:depth], entry, "promotion")
                return Lookup(key, entry, tier.name)
        return Lookup(key, None, None)

    def peek(self, key: str, names: Sequence[str] = ("l2", "l3")) -> bool:
        """Whether a named tier holds ``key``; no counting, no promotion (for warming)."""
        for tier in self.tiers:
            if tier.name in names:
                try:
                    if tier.get(key) is not None:
                        return True
                except TierUnavailable:
                    continue
        return False

    def put(self, entry: CacheEntry) -> None:
        self._write(self.tiers, entry, "store")

    def put_into(self, names: Sequence[str], entry: CacheEntry) -> None:
        self._write([tier for tier in self.tiers if tier.name in names], entry, "store")

    def read_from(self, name: str, key: str) -> CacheEntry | None:
        """One tier's entry, uncounted and not promoted (side data such as full documents)."""
        try:
            return self.tier(name).get(key)
        except TierUnavailable:
            self._stats.event(name, "error")
            return None

    def _write(self, tiers: Sequence[Tier], entry: CacheEntry, event: str) -> None:
        for tier in tiers:
            try:
                evicted = tier.put(entry)
            except TierUnavailable:
                self._stats.event(tier.name, "error")
                continue
            self._stats.event(tier.name, event)
            self._stats.event(tier.name, "eviction", evicted)

    def remove(self, selector: Selector, names: Sequence[str] | None = None) -> dict[str, int]:
        """Remove selected entries from the named tiers (all by default); count per tier.

        A tier that is down reports -1: its entries could not be removed now (L2 entries then
        expire by TTL; L1 is cleared again when its invalidation listener reconnects).
        """
        removed: dict[str, int] = {}
        for tier in self.tiers:
            if names is not None and tier.name not in names:
                continue
            try:
                removed[tier.name] = tier.remove(selector)
            except TierUnavailable:
                self._stats.event(tier.name, "error")
                removed[tier.name] = -1
        return removed
