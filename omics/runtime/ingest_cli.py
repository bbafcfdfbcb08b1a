"""``python app.py ingest``: bring GEO series in from NCBI, printing the saga id and its progress.

The command runs the ingestion saga in this process, step by step, from the same persisted
state a Celery worker would use, so a running server (same ``OMICS_DATA_DIR`` or
``DATABASE_URL`` and Redis) sees the new corpus version without a restart. Exit status 0 when
published, 1 when compensated or failed.
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from omics.config import Settings
from omics.connections.redis import resolve_redis_url
from omics.ingest.saga import ingestion_params
from omics.runtime.ingestion import build_ingestion
from omics.saga.definition import JsonDict


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def _accessions(text: str) -> list[str]:
    values = [part.strip().upper() for part in text.split(",") if part.strip()]
    bad = [value for value in values if not value.startswith("GSE") or not value[3:].isdigit()]
    if not values or bad:
        raise argparse.ArgumentTypeError(f"not GEO series accessions: {', '.join(bad) or text!r}")
    return values


def run_ingest(settings: Settings, args: argparse.Namespace) -> None:
    if args.until and not args.since:
        raise SystemExit("ingest: --until needs --since")
    params = ingestion_params(args.since, args.until, args.accessions or (), args.all)
    ingestion = build_ingestion(settings, resolve_redis_url(settings.redis_url, settings.data_dir))
    runner, publish = ingestion.runner, ingestion.runner.listener

    def show(saga_id: str, key: str, event: JsonDict) -> None:
        publish(saga_id, key, event)
        if key == "started":
            print(f"saga {saga_id}", flush=True)
            return
        detail = event.get("detail") or event.get("counts") or {}
        print(
            f"{event['type']:<12} {event['stage']:<12} {event['progress']:>3}% {json.dumps(detail)}",
            flush=True,
        )

    runner.listener = show
    saga_id = runner.start(params)
    status = runner.run_to_end(saga_id)
    view = runner.store.view(saga_id)
    print(
        f"{status}: {json.dumps(view.counts if view else {})}"
        + (f" ({view.error})" if view and view.error else "")
    )
    if status != "completed":
        raise SystemExit(1)


def add_commands(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``ingest`` to ``app.py``'s command line."""
    ingest = subcommands.add_parser("ingest", help="bring GEO series in from NCBI E-utilities")
    which = ingest.add_mutually_exclusive_group(required=True)
    which.add_argument("--since", type=_day, help="series published on or after YYYY-MM-DD")
    which.add_argument("--accessions", type=_accessions, help="GSE1,GSE2,...")
    which.add_argument("--all", action="store_true", help="every GEO series (a full sync)")
    ingest.add_argument("--until", type=_day, help="series published on or before YYYY-MM-DD")
    ingest.set_defaults(func=run_ingest)
