"""Saved searches (owner only) and alerts: what the notify step of an ingestion writes.

``notify`` runs every saved search over the newly published series alone (the engine's
``within``), records one alert per (saved search, new series) (a unique constraint makes a
redelivered notify step write nothing twice) and hands each new alert to ``deliver`` (the
user's live channel). ``forget`` deletes a saga's alerts when its ingestion is compensated.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from omics.alerts.models import AlertRow, AlertsBase, SavedSearchRow
from omics.formats import SAVED_SEARCH, add_missing_columns
from omics.search.request import SearchRequest, request_from_dict, request_to_dict

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from omics.search.engine import SearchEngine

MAX_SAVED_PER_USER = 100


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


@dataclass(frozen=True)
class SavedSearch:
    id: str
    owner: str
    name: str
    request: SearchRequest
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            **request_to_dict(self.request),
            "created_at": _iso(self.created_at),
        }


def alert_view(row: AlertRow) -> dict[str, Any]:
    """An alert as the API and the live channel show it."""
    return {
        "type": "alert",
        "id": row.id,
        "saved_search_id": row.saved_search_id,
        "accession": row.accession,
        "title": row.title,
        "created_at": _iso(row.created_at),
    }


class TooManySavedSearches(Exception):
    pass


class AlertBook:
    """Saved searches and alerts through a transaction factory (``Database.transaction``)."""

    def __init__(self, transaction: Callable[[], AbstractContextManager[Session]]) -> None:
        self._transaction = transaction

    @staticmethod
    def create_schema(engine: Engine) -> None:
        AlertsBase.metadata.create_all(engine)
        add_missing_columns(engine, AlertsBase.metadata)

    def save(self, owner: str, name: str, request: SearchRequest) -> SavedSearch:
        with self._transaction() as session:
            mine = session.scalars(select(SavedSearchRow.id).where(SavedSearchRow.owner == owner)).all()
            if len(mine) >= MAX_SAVED_PER_USER:
                raise TooManySavedSearches(f"at most {MAX_SAVED_PER_USER} saved searches per user")
            row = SavedSearchRow(
                id=uuid.uuid4().hex,
                owner=owner,
                name=name,
                request=json.dumps(request_to_dict(request)),
                record_format=SAVED_SEARCH.current,
                created_at=_now(),
            )
            session.add(row)
            return _saved(row)

    def saved(self, owner: str) -> list[SavedSearch]:
        with self._transaction() as session:
            rows = session.scalars(
                select(SavedSearchRow)
                .where(SavedSearchRow.owner == owner)
                .order_by(SavedSearchRow.created_at)
            )
            return [_saved(row) for row in rows]

    def get(self, saved_id: str, owner: str) -> SavedSearch | None:
        with self._transaction() as session:
            row = session.get(SavedSearchRow, saved_id)
            return _saved(row) if row is not None and row.owner == owner else None

    def delete(self, saved_id: str, owner: str) -> bool:
        with self._transaction() as session:
            row = session.get(SavedSearchRow, saved_id)
            if row is None or row.owner != owner:
                return False
            session.execute(delete(AlertRow).where(AlertRow.saved_search_id == saved_id))
            session.delete(row)
            return True

    def alerts(self, owner: str, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        with self._transaction() as session:
            rows = session.scalars(
                select(AlertRow)
                .where(AlertRow.owner == owner, AlertRow.id > after)
                .order_by(AlertRow.id)
                .limit(limit)
            )
            return [alert_view(row) for row in rows]

    def notify(
        self,
        saga_id: str,
        accessions: Collection[str],
        engine: SearchEngine,
        deliver: Callable[[str, dict[str, Any]], None],
    ) -> int:
        """Record and deliver an alert for every saved search matching a new series; returns how many."""
        if not accessions:
            return 0
        with self._transaction() as session:
            searches = [_saved(row) for row in session.scalars(select(SavedSearchRow))]
        created = 0
        for saved in searches:
            outcome = engine.search(saved.request, within=accessions)
            for hit in outcome.hits[: outcome.total]:  # full matches only: "narwhal kidney" is not "narwhal"
                record = engine.get(hit.accession)
                view = self._record(saga_id, saved, hit.accession, record.title if record else "")
                if view is not None:
                    created += 1
                    deliver(saved.owner, view)
        return created

    def forget(self, saga_id: str) -> int:
        with self._transaction() as session:
            removed = session.execute(delete(AlertRow).where(AlertRow.saga_id == saga_id))
            return int(removed.rowcount)  # type: ignore[attr-defined]  # a DELETE's result has rowcount

    def _record(self, saga_id: str, saved: SavedSearch, accession: str, title: str) -> dict[str, Any] | None:
        with self._transaction() as session:
            exists = session.scalar(
                select(AlertRow.id).where(
                    AlertRow.saved_search_id == saved.id, AlertRow.accession == accession
                )
            )
            if exists is not None:
                return None
            row = AlertRow(
                owner=saved.owner,
                saved_search_id=saved.id,
                saga_id=saga_id,
                accession=accession,
                title=title,
                created_at=_now(),
            )
            session.add(row)
            session.flush()
            return alert_view(row)


def _saved(row: SavedSearchRow) -> SavedSearch:
    return SavedSearch(
        row.id, row.owner, row.name, request_from_dict(json.loads(row.request)), row.created_at
    )
