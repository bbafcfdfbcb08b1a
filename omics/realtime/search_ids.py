"""Search ids that say, without Redis, that this deployment issued them.

A search lives in Redis only. When Redis loses its data (a restart without persistence, a
flush, a failover to an empty replica), a search that existed and one that never did look the
same, and answering 404 to the first leaves its clients waiting or looping. So an id carries
its own proof: 32 random hex digits and a 16-digit HMAC of them under a key derived from the
deployment's secret key. A well-signed id that Redis does not know was issued and is gone (410
``search_gone``: submit it again); any other is unknown (404). The proof says nothing about the
owner, so it reveals only that an id one already holds was real.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_RANDOM_HEX = 32
_MAC_HEX = 16
_SHAPE = re.compile(rf"[0-9a-f]{{{_RANDOM_HEX + _MAC_HEX}}}")


@dataclass(frozen=True)
class SearchIds:
    """Issues signed search ids and recognises them (``key``: from the deployment's secret)."""

    key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> SearchIds:
        """Ids of a deployment whose roles share ``secret`` (``OMICS_SECRET_KEY`` or the data directory's)."""
        return cls(hashlib.sha256(f"omics-search-id:{secret}".encode()).digest())

    @classmethod
    def ephemeral(cls) -> SearchIds:
        """Ids recognised by this process only (a store made without the deployment's key)."""
        return cls(secrets.token_bytes(32))

    def new(self) -> str:
        random_part = secrets.token_hex(_RANDOM_HEX // 2)
        return random_part + self._mac(random_part)

    def issued(self, search_id: str) -> bool:
        """Whether ``search_id`` was issued with this key (whether or not Redis still has it)."""
        if not _SHAPE.fullmatch(search_id):
            return False
        random_part, mac = search_id[:_RANDOM_HEX], search_id[_RANDOM_HEX:]
        return hmac.compare_digest(mac, self._mac(random_part))

    def _mac(self, random_part: str) -> str:
        return hmac.new(self.key, random_part.encode(), hashlib.sha256).hexdigest()[:_MAC_HEX]
