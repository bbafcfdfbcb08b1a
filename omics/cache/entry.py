"""What a cache tier holds, and how invalidation selects entries.

An entry keeps the completed search document as JSON text: a hit is answered by sending that
text as it is (no parse, no re-serialisation), which is what makes a hit nearly as cheap as an
empty request. The document says its format (:data:`omics.formats.CACHE_DOCUMENT`, field
``format``); the envelope itself never changes shape, because the previous release builds it
with ``CacheEntry(**fields)`` and would fail on a field it does not know.

The normalised query and the corpus version travel with it so every tier can
apply the same :class:`Selector` (by query, by query prefix, all, or older corpus versions).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from typing import Any, Literal

from omics.cache.keys import normalise_text
from omics.formats import CACHE_DOCUMENT

SelectorKind = Literal["all", "query", "prefix", "before_version"]


@dataclass(frozen=True)
class CacheEntry:
    """One cached search: the key, what selects it, and the document as JSON text."""

    key: str
    query: str
    corpus_version: int
    payload: str
    stored_at: float

    def document(self) -> dict[str, Any]:
        """The payload in the current format, parsed once per entry object (an L1 entry is
        reused across hits); a document an older release wrote is upgraded on the way."""
        return self._parsed

    @cached_property
    def _parsed(self) -> dict[str, Any]:
        return CACHE_DOCUMENT.upgrade(json.loads(self.payload))

    def upgraded(self) -> CacheEntry | None:
        """This entry with its document rewritten in the current format; None when it already is."""
        document = json.loads(self.payload)
        if CACHE_DOCUMENT.is_current(document):
            return None
        return replace(self, payload=document_text(CACHE_DOCUMENT.upgrade(document)))

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> CacheEntry:
        return cls(**json.loads(text))


def document_text(document: dict[str, Any]) -> str:
    """A document as an entry's payload: compact JSON, stamped with the current format."""
    return json.dumps(CACHE_DOCUMENT.stamp(document), separators=(",", ":"))


@dataclass(frozen=True)
class Selector:
    """Which entries an invalidation removes; ``value`` is a normalised query or a version."""

    kind: SelectorKind
    value: str | int = ""

    @classmethod
    def parse(cls, kind: str, value: str | int = "") -> Selector:
        """Build a selector from user input, normalising query text like the keys do."""
        match kind:  # a match (not `in`/`==`) narrows ``kind`` to the SelectorKind literals
            case "query" | "prefix":
                text = normalise_text(str(value))
                if not text:
                    raise ValueError(f"a {kind} invalidation needs a non-empty value")
                return cls(kind, text)
            case "before_version":
                return cls(kind, int(value))
            case "all":
                return cls("all")
        raise ValueError(f"unknown invalidation kind {kind!r}")

    def matches(self, query: str, corpus_version: int) -> bool:
        if self.kind == "all":
            return True
        if self.kind == "query":
            return query == self.value
        if self.kind == "prefix":
            return query.startswith(str(self.value))
        return corpus_version < int(self.value)

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "value": self.value})

    @classmethod
    def from_json(cls, text: str | bytes) -> Selector:
        data = json.loads(text)
        return cls.parse(data["kind"], data["value"])
