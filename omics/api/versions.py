"""Public API versions as an ordered list of declared changes over one canonical (HEAD) shape.

The handlers speak only HEAD, the newest version. Each older version is reached by walking the
changes made since it, newest first, on the way out (responses, error bodies, WebSocket
messages), and oldest first on the way in (requests). A change converts one named schema at a
time (``"Result"``, ``"Search"``, ``"Event"``...); the bundle knows which schemas nest inside
which (a search's ``results`` are ``Result`` s), so a change to a result applies wherever
results appear, however deeply they are wrapped. That is what cadwyn's users miss: one
declaration reaches nested page wrappers, streamed events and bodies migrated outside a
request (``migrate_response`` needs no web framework).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

Params = Mapping[str, Any]
"""What a converter may need from the request besides the body (a v1 page's limit and offset)."""

Converter = Callable[[Any, Params], Any]
"""Turns one body of a schema into its neighbour version's shape; must not mutate its input."""

SchemaEdit = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a schema's JSON Schema (an OpenAPI component) into its older shape, for the documents."""

NO_PARAMS: Params = {}


class UnknownVersion(ValueError):
    """A client named a version this server does not serve."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown API version {name!r}; known versions: {', '.join(known)}")
        self.name = name
        self.known = known


@dataclass(frozen=True)
class VersionChange:
    """One breaking change: what changed, why, how to migrate, and the converters that undo it.

    ``responses`` convert a body from the version that made the change down to the version
    before it; ``requests`` convert a body of the older version up. ``schemas`` edit the HEAD
    document's components the same way, so each version's OpenAPI document follows from the
    code that serves it. ``paths`` are OpenAPI path items that exist only before the change
    (v1's synchronous search), so the older versions' documents list them.
    """

    title: str
    why: str
    migration: tuple[str, ...] = ()
    responses: Mapping[str, Converter] = field(default_factory=dict)
    requests: Mapping[str, Converter] = field(default_factory=dict)
    schemas: Mapping[str, SchemaEdit] = field(default_factory=dict)
    paths: Mapping[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Version:
    """A public version: ``"1"`` (the path version) or a date ``YYYY-MM-DD`` inside v2.

    ``changes`` are what this version changed relative to the one before it; ``prefix`` is the
    URL prefix of its operations (its OpenAPI document lists only those).
    """

    name: str
    released: date | None
    prefix: str
    changes: tuple[VersionChange, ...] = ()
    summary: str = ""

    @property
    def dated(self) -> bool:
        return self.released is not None


class VersionBundle:
    """Every served version, oldest first, and the nesting of the schemas they convert."""

    def __init__(self, versions: tuple[Version, ...], nesting: Mapping[str, Mapping[str, str]]) -> None:
        if not versions:
            raise ValueError("a bundle needs at least one version")
        names = [version.name for version in versions]
        if len(set(names)) != len(names):
            raise ValueError(f"versions declared twice: {names}")
        dated = [version.released for version in versions if version.released is not None]
        if dated != sorted(dated) or any(v.dated and v.name != str(v.released) for v in versions):
            raise ValueError("dated versions are named by their date and declared oldest first")
        self.versions = versions
        self.nesting = nesting
        self._by_name = {version.name: version for version in versions}
        self._index = {version.name: index for index, version in enumerate(versions)}

    @property
    def head(self) -> Version:
        return self.versions[-1]

    def dated(self) -> list[Version]:
        return [version for version in self.versions if version.dated]

    def parse(self, name: str) -> Version:
        """The version called ``name``, or :class:`UnknownVersion`."""
        found = self._by_name.get(name.strip())
        if found is None:
            raise UnknownVersion(name, list(self._by_name))
        return found

    def newer_than(self, version: Version) -> tuple[Version, ...]:
        """The versions after ``version``, oldest first: the changes a client of it does not see."""
        return self.versions[self._index[version.name] + 1 :]

    def touches(self, schema: str, version: Version) -> bool:
        """Whether any change after ``version`` converts ``schema`` or a schema nested in it."""
        wanted = self._closure(schema)
        return any(
            wanted & set(change.responses) for newer in self.newer_than(version) for change in newer.changes
        )

    def migrate_response(self, schema: str, body: Any, version: Version, params: Params = NO_PARAMS) -> Any:
        """A HEAD ``body`` of ``schema`` as a client of ``version`` sees it."""
        for newer in reversed(self.newer_than(version)):
            for change in reversed(newer.changes):
                body = self._convert(change, schema, body, params)
        return body

    def migrate_request(self, schema: str, body: Any, version: Version, params: Params = NO_PARAMS) -> Any:
        """A ``body`` of ``schema`` sent by a client of ``version``, brought up to HEAD."""
        for newer in self.newer_than(version):
            for change in newer.changes:
                converter = change.requests.get(schema)
                if converter is not None:
                    body = converter(body, params)
        return body

    def _convert(self, change: VersionChange, schema: str, body: Any, params: Params) -> Any:
        """Apply one change to ``body``: nested schemas first, then the schema itself."""
        if body is None:
            return None
        nested = self.nesting.get(schema, {})
        if nested and isinstance(body, dict):
            body = dict(body)
            for field_name, inner in nested.items():
                value = body.get(field_name)
                if isinstance(value, list):
                    body[field_name] = [self._convert(change, inner, item, params) for item in value]
                elif isinstance(value, dict):
                    body[field_name] = self._convert(change, inner, value, params)
        converter = change.responses.get(schema)
        return converter(body, params) if converter is not None else body

    def _closure(self, schema: str) -> set[str]:
        found, pending = set(), [schema]
        while pending:
            name = pending.pop()
            if name not in found:
                found.add(name)
                pending.extend(self.nesting.get(name, {}).values())
        return found
