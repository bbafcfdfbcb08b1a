"""What a cache tier holds, and how invalidation selects entries.

An entry keeps the completed search document as JSON text: a hit is answered by sending that
text as it is (no parse, no re-serialisation), which is what makes a hit nearly as cheap as an
empty request. The normalised query and the corpus version travel with it so every tier can
apply the same :class:`Selector` (by query, by query prefix, all, or older corpus versions).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, Literal

from omics.cache.keys import normalise_text

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
        """The parsed payload, parsed once per entry object (an L1 entry is reused across hits)."""
        return self._parsed

    @cached_property
    def _parsed(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.payload)
        return document

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> CacheEntry:
        return cls(**json.loads(text))


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
