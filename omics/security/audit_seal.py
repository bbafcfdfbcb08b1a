"""What makes the audit chain trustworthy beyond the database: a key and an anchor file.

A hash chain alone proves nothing to someone who can write the database: they can delete or
edit rows and recompute every hash. So each entry's hash is an HMAC-SHA256 under a key kept
outside the database (``OMICS_AUDIT_KEY``, else a 0600 ``.audit_key`` file in the data
directory), and the sequence number and hash of every committed entry is appended to an
append-only anchor file beside it (``audit-anchors.log``, 0600), so cutting entries off the
end and rewinding the head row is noticed as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ANCHOR_FILENAME = "audit-anchors.log"


@dataclass(frozen=True)
class AuditSeal:
    """The chain's HMAC key and, when anchoring, the anchor file."""

    key: bytes
    anchor_path: Path | None = None

    @classmethod
    def ephemeral(cls) -> AuditSeal:
        """A random key for a database opened without one (tests): never a shared constant."""
        return cls(secrets.token_bytes(32))

    def mac(self, payload: bytes) -> str:
        return hmac.new(self.key, payload, hashlib.sha256).hexdigest()

    def anchor(self, entries: Iterable[tuple[int, str]]) -> None:
        """Append ``(seq, hash)`` lines to the anchor file (created 0600), if there is one."""
        lines = "".join(json.dumps({"seq": seq, "hash": digest}) + "\n" for seq, digest in entries)
        if self.anchor_path is None or not lines:
            return
        descriptor = os.open(self.anchor_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, lines.encode())
        finally:
            os.close(descriptor)

    def anchors(self) -> dict[int, str]:
        """Every anchored entry, ``seq -> hash`` (empty without an anchor file)."""
        if self.anchor_path is None or not self.anchor_path.exists():
            return {}
        found: dict[int, str] = {}
        with self.anchor_path.open() as lines:
            for line in lines:
                if line.strip():
                    record = json.loads(line)
                    found[int(record["seq"])] = str(record["hash"])
        return found
