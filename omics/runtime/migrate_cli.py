"""``python app.py migrate [--dry-run]``: upgrade stored data to the current formats in place.

It walks, in order, the searches in Redis, the cache's L2 (Redis) and L3 (this data
directory's SQLite file) and the database rows that carry a format (API keys, saved searches,
sagas, shortlists), printing progress after every batch. A run that stops is resumed from
``<data dir>/migrate.checkpoint.json``; a dry run writes nothing and counts what would change.
Safe beside running servers of this release and the previous one: every rewrite produces the
current format, which the previous release reads (formats change additively first).
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import Table

from omics.alerts.book import AlertBook
from omics.alerts.models import SavedSearchRow
from omics.cache.migration import CacheTierStep
from omics.cache.system import DEFAULT_NAMESPACE, L3_FILE
from omics.cache.tiers import RedisTier, SqliteTier
from omics.config import Settings
from omics.connections.redis import connect, resolve_redis_url
from omics.formats import API_KEY, SAGA, SAVED_SEARCH, SHORTLIST, Checkpoint, MigrationStep, run_migration
from omics.formats.rows import RowsStep
from omics.realtime.search_state import SearchesStep, SearchStore
from omics.runtime.search_services import search_ids
from omics.saga.models import SagaRow
from omics.saga.store import SagaStore
from omics.security.database import Database, database_url
from omics.security.models import ApiKey
from omics.workspace.models import Shortlist, create_tables

CHECKPOINT_FILE = "migrate.checkpoint.json"


def table_of(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def migration_steps(
    settings: Settings, redis_url: str, database: Database, batch: int
) -> list[MigrationStep]:
    """Every store that holds formatted documents, in the order ``migrate`` walks them."""
    text_client = connect(redis_url, decode_responses=True)
    byte_client = connect(redis_url, decode_responses=False)  # L2's backend pickles values
    cache = settings.cache
    engine = database.engine
    return [
        SearchesStep(SearchStore(text_client, settings.service.search_ttl, ids=search_ids(settings)), batch),
        CacheTierStep(
            RedisTier.over(byte_client, DEFAULT_NAMESPACE, cache.l2_ttl), "cache L2 (redis)", batch
        ),
        CacheTierStep(
            SqliteTier(settings.data_dir / L3_FILE, cache.l3_ttl, cache.l3_max_entries),
            "cache L3 (sqlite)",
            batch,
        ),
        RowsStep(engine, table_of(ApiKey), API_KEY, batch),
        RowsStep(engine, table_of(SavedSearchRow), SAVED_SEARCH, batch),
        RowsStep(engine, table_of(SagaRow), SAGA, batch),
        RowsStep(engine, table_of(Shortlist), SHORTLIST, batch),
    ]


def upgrade_schema(database: Database) -> None:
    """Create missing tables and add the nullable format columns (additive, safe to repeat)."""
    database.create_schema()
    SagaStore.create_schema(database.engine)
    AlertBook.create_schema(database.engine)
    create_tables(database.engine)


def run_migrate(settings: Settings, args: argparse.Namespace) -> None:
    redis_url = resolve_redis_url(settings.redis_url, settings.data_dir)
    database = Database(database_url(settings))  # a dry run must not even create tables
    if not args.dry_run:
        upgrade_schema(database)
    checkpoint = Checkpoint(settings.data_dir / CHECKPOINT_FILE)
    steps = migration_steps(settings, redis_url, database, args.batch)
    totals = run_migration(steps, checkpoint, args.dry_run, lambda line: print(line, flush=True))
    verb = "would upgrade" if args.dry_run else "upgraded"
    print(f"{'dry run' if args.dry_run else 'done'}: {sum(t.changed for t in totals)} documents {verb}")
    database.dispose()


def add_commands(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``migrate`` to ``app.py``'s command line."""
    migrate = subcommands.add_parser("migrate", help="upgrade stored data to the current formats, resumably")
    migrate.add_argument("--dry-run", action="store_true", help="count what would change; write nothing")
    migrate.add_argument("--batch", type=int, default=500, help="documents per batch and checkpoint")
    migrate.set_defaults(func=run_migrate)
