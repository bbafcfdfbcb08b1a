"""What the shared index's files alone cannot say: which generations are visible, and to which
corpus state the index belongs.

tantivy makes a commit visible to every reader at once. An ingestion's documents must stay
invisible until it is published, so each batch of documents is written under a new
*generation*; staged generations are listed as ``pending`` here and every search excludes
them. Publishing removes the generation from ``pending`` (and records the documents it
superseded); compensation deletes its documents. The manifest is replaced atomically, under
the data directory's lock, so every process reads a whole one.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from omics.search.index import FORMAT as TEXTS_FORMAT
from omics.search.index import STEMMING, write_atomically
from omics.search.locking import exclusive

MANIFEST = "shared-manifest.json"
# An index of other terms or texts is rebuilt, not read. 2: the engine's own stems, not tantivy's.
# 3: the words around one-character words (.exact).
FORMAT = f"3, {STEMMING}, texts {TEXTS_FORMAT}"


@dataclass
class Manifest:
    """The corpus state the index matches, pending and published generations, the next one."""

    fingerprint: str = ""
    next_generation: int = 1
    pending: list[int] = field(default_factory=list)
    # generation -> document ids it superseded (deleted at publish; re-added by a restore)
    published: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path) -> Manifest | None:
        text = manifest_text(root)
        return None if text is None else cls.parse(text)

    @classmethod
    def parse(cls, text: str) -> Manifest | None:
        data = json.loads(text)
        if data.pop("format", None) != FORMAT:
            return None
        return cls(**data)

    def write(self, root: Path) -> None:
        write_atomically(root / MANIFEST, json.dumps({"format": FORMAT} | asdict(self)))


def manifest_text(root: Path) -> str | None:
    """The manifest as stored (a publication point keeps it to restore it)."""
    try:
        return (root / MANIFEST).read_text()
    except OSError:
        return None


def writing(root: Path) -> AbstractContextManager[None]:
    """Serialise writers of one shared index across processes (tantivy allows one writer)."""
    return exclusive(root, ".writer.lock")
