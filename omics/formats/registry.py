"""A stored format: a name, its current version, and one upgrade per older version.

A document says its version in one field (``format`` in JSON documents and Redis hashes,
``record_format`` in database rows); a document without it is version 1, which is how every
document written before formats existed reads. ``upgrades[n]`` turns version ``n`` into
``n + 1`` and must not mutate its input. A document of a *newer* version than this release
knows was written by the next release during a rolling upgrade; it is read as it is, because
the next release only ever adds to a format before it removes anything (additive first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Document = dict[str, Any]
Upgrade = Callable[[Document], Document]


@dataclass(frozen=True)
class StoredFormat:
    name: str
    current: int
    upgrades: Mapping[int, Upgrade] = field(default_factory=dict)
    version_field: str = "format"
    description: str = ""

    def __post_init__(self) -> None:
        missing = [version for version in range(1, self.current) if version not in self.upgrades]
        if missing:
            raise ValueError(f"format {self.name!r} has no upgrade from version(s) {missing}")

    def version_of(self, document: Mapping[Any, Any]) -> int:
        """The document's version (1 when it does not say)."""
        return int(document.get(self.version_field) or 1)

    def is_current(self, document: Mapping[Any, Any]) -> bool:
        return self.version_of(document) >= self.current

    def upgrade(self, document: Document) -> Document:
        """The document in the current version, stamped with it (newer documents as they are)."""
        version = self.version_of(document)
        if version >= self.current:
            return document
        return self.stamp(self.upgrade_from(version, document))

    def upgrade_from(self, version: int, document: Document) -> Document:
        """Upgrade a document whose version its container records (a search's result rows)."""
        for step in range(version, self.current):
            document = self.upgrades[step](document)
        return document

    def stamp(self, document: Document) -> Document:
        """The document marked as the current version (what writers store)."""
        return {**document, self.version_field: self.current}
