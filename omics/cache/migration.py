"""``python app.py migrate`` over the cache: entries of L2 (Redis) and L3 (SQLite) whose
documents an older release wrote are rewritten in the current format, expiry kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from omics.cache.tiers import RedisTier, SqliteTier
from omics.formats import Progress


@dataclass(frozen=True)
class CacheTierStep:
    """Walks one tier in its stable order (L2: its index; L3: key order), batch by batch."""

    tier: RedisTier | SqliteTier
    name: str
    batch: int = 500

    def run(self, position: str, dry_run: bool) -> Iterator[Progress]:
        while True:
            walked = self.tier.entries_after(position, self.batch)
            changed = 0
            for _, entry in walked:
                upgraded = entry.upgraded() if entry is not None else None
                changed += upgraded is not None and (dry_run or self.tier.rewrite(upgraded))
            position = walked[-1][0] if walked else position
            yield Progress(position, len(walked), changed)
            if len(walked) < self.batch:
                return
