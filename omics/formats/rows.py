"""Upgrading database rows of a stored format in place (one table, in primary-key order)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, inspect, or_, select, update

from omics.formats.migration import Progress
from omics.formats.registry import StoredFormat


@dataclass(frozen=True)
class RowsStep:
    """A :class:`~omics.formats.migration.MigrationStep` over one table whose rows carry
    ``stored.version_field`` (a nullable column: NULL is version 1)."""

    engine: Engine
    table: Table
    stored: StoredFormat
    batch: int = 500

    @property
    def name(self) -> str:
        return f"{self.table.name} ({self.stored.name})"

    def run(self, position: str, dry_run: bool) -> Iterator[Progress]:
        (key,) = self.table.primary_key.columns
        while True:
            rows = self._outdated_after(key.name, position)
            changed = sum(self._upgrade(key.name, row, dry_run) for row in rows)
            position = str(rows[-1][key.name]) if rows else position
            yield Progress(position, len(rows), changed)
            if len(rows) < self.batch:
                return

    def _outdated_after(self, key: str, position: str) -> list[dict[str, Any]]:
        """The next batch of rows older than the current version (a dry run may predate the column)."""
        inspector = inspect(self.engine)
        if not inspector.has_table(self.table.name):
            return []
        present = {column["name"] for column in inspector.get_columns(self.table.name)}
        columns = [column for column in self.table.columns if column.name in present]
        query = select(*columns).order_by(self.table.c[key]).limit(self.batch)
        if position:
            query = query.where(self.table.c[key] > position)
        if self.stored.version_field in present:
            version = self.table.c[self.stored.version_field]
            query = query.where(or_(version.is_(None), version < self.stored.current))
        with self.engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
        return [row for row in rows if not self.stored.is_current(row)]

    def _upgrade(self, key: str, row: dict[str, Any], dry_run: bool) -> bool:
        upgraded = self.stored.upgrade(row)
        changes = {name: value for name, value in upgraded.items() if row.get(name) != value}
        if not changes:
            return False
        if not dry_run:
            version = self.table.c[self.stored.version_field]
            statement = (
                update(self.table)
                .where(self.table.c[key] == row[key])
                .where(or_(version.is_(None), version < self.stored.current))
                .values(changes)
            )
            with self.engine.begin() as connection:
                connection.execute(statement)
        return True
