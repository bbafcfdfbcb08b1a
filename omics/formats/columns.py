"""Adding the nullable columns a newer release declared to tables an older release created."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError


def add_missing_columns(engine: Engine, metadata: MetaData) -> None:
    """Add every nullable column of ``metadata``'s tables that the database lacks.

    Additive only: a rolling upgrade runs the previous release beside this one, and it never
    names these columns (its inserts leave them NULL, which readers take as format 1). A column
    added by another process at the same moment is not an error.
    """
    existing = inspect(engine)
    for table in metadata.sorted_tables:
        present = {column["name"] for column in existing.get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            try:
                with engine.begin() as connection:
                    connection.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
            except (OperationalError, ProgrammingError):
                pass  # added by a process that started at the same moment
