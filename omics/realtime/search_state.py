"""Durable search state and result pages in Redis: the truth behind ``GET /api/v2/searches/{id}``.

A search is a hash (status, progress, owner, the request, summary of the outcome) and, once
completed, a list holding every ranked result in order, so a page is one ``LRANGE`` and a
cursor over a stored search never skips or repeats a result. The WebSocket only accelerates
what this store already says. All keys of one search share a hash tag and expire together.

The hash's ``format`` field (:data:`omics.formats.SEARCH`) is written together with the result
rows and is also their version: rows are upgraded on read (:data:`omics.formats.RESULT`), and
:meth:`SearchStore.upgrade` rewrites a search in place for ``python app.py migrate``.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import redis
from redis.typing import EncodableT, FieldT

from omics.connections.redis import as_text
from omics.formats import RESULT, SEARCH, Progress
from omics.realtime.keys import ACTIVE_INDEX, TERMINAL_STATUSES, results_key, state_key
from omics.realtime.search_ids import SearchIds
from omics.search.request import SearchRequest, request_from_dict, request_to_dict


@dataclass(frozen=True)
class SearchesStep:
    """``python app.py migrate`` over Redis: every stored search whose rows are older than
    the current format, walked with ``SCAN`` (position: the cursor)."""

    store: SearchStore
    batch: int = 500
    name: str = "searches (redis)"

    def run(self, position: str, dry_run: bool) -> Iterator[Progress]:
        cursor = int(position or 0)
        while True:
            cursor, ids = self.store.scan(cursor, self.batch)
            changed = sum(self.store.upgrade(search_id, dry_run) for search_id in ids)
            yield Progress(str(cursor), len(ids), changed)
            if cursor == 0:
                return


@dataclass
class SearchState:
    """What the store knows about one search."""

    id: str
    status: str
    progress: int
    stage: str
    owner: str | None
    request: SearchRequest
    total: int | None
    stored: int
    facets: dict[str, Any]
    parsed: dict[str, Any]
    error: dict[str, Any] | None
    created: float
    format: int = SEARCH.current

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class SearchStore:
    """Creates, advances and pages searches; every write refreshes the search's expiry."""

    def __init__(self, client: redis.Redis, ttl_seconds: int, ids: SearchIds) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self.ids = ids

    def create(self, request: SearchRequest, owner: str | None, search_id: str | None = None) -> str:
        """Store a queued search; ``search_id`` is given when a single-flight lock already names it."""
        search_id = search_id or self.ids.new()
        now = time.time()
        with self._client.pipeline() as pipe:
            pipe.hset(
                state_key(search_id),
                mapping={
                    "status": "queued",
                    "progress": 0,
                    "stage": "queued",
                    "owner": owner or "",
                    "request": json.dumps(request_to_dict(request)),
                    "created": now,
                },
            )
            pipe.expire(state_key(search_id), self._ttl)
            pipe.zadd(ACTIVE_INDEX, {search_id: now})
            pipe.execute()
        return search_id

    def get(self, search_id: str) -> SearchState | None:
        raw = self._client.hgetall(state_key(search_id))
        if not raw or "status" not in raw:
            return None
        return SearchState(
            id=search_id,
            status=as_text(raw["status"]),
            progress=int(raw.get("progress", 0)),
            stage=as_text(raw.get("stage", "")),
            owner=as_text(raw.get("owner") or "") or None,
            request=request_from_dict(json.loads(raw["request"])),
            total=int(raw["total"]) if "total" in raw else None,
            stored=int(raw.get("stored", 0)),
            facets=json.loads(raw.get("facets", "{}")),
            parsed=json.loads(raw.get("parsed", "{}")),
            error=json.loads(raw["error"]) if "error" in raw else None,
            created=float(raw.get("created", 0)),
            format=SEARCH.version_of(raw),
        )

    def count_delivery(self, search_id: str) -> int:
        """How many times a worker has started this search (the poison-message guard)."""
        return int(self._client.hincrby(state_key(search_id), "deliveries", 1))

    def advance(self, search_id: str, stage: str, progress: int) -> None:
        """Record a running stage; never lowers progress nor revives a finished search."""
        with self._client.pipeline() as pipe:
            pipe.hget(state_key(search_id), "status")
            pipe.hget(state_key(search_id), "progress")
            status, current = pipe.execute()
        if status in TERMINAL_STATUSES or status is None:
            return
        self._write(
            search_id, {"status": "running", "stage": stage, "progress": max(progress, int(current or 0))}
        )

    def complete(self, search_id: str, document: dict[str, Any]) -> None:
        """Store every result and mark the search completed (safe to repeat)."""
        with self._client.pipeline() as pipe:
            pipe.delete(results_key(search_id))
            rows = [json.dumps(result, sort_keys=True) for result in document["results"]]
            if rows:
                pipe.rpush(results_key(search_id), *rows)
            pipe.expire(results_key(search_id), self._ttl)
            self._write(
                search_id,
                {
                    "status": "completed",
                    "stage": "completed",
                    "progress": 100,
                    "total": document["total"],
                    "stored": len(rows),
                    "facets": json.dumps(document["facets"]),
                    "parsed": json.dumps(document["parsed"]),
                    SEARCH.version_field: SEARCH.current,
                },
                pipe,
            )
            pipe.execute()

    def fail(self, search_id: str, code: str, message: str) -> None:
        self._write(
            search_id,
            {"status": "failed", "stage": "failed", "error": json.dumps({"code": code, "message": message})},
        )

    def page(
        self,
        state: SearchState,
        offset: int,
        size: int,
        materialise: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """Results ``offset..offset+size`` in the current format; compact rows are materialised
        once and written back."""
        search_id = state.id
        key = results_key(search_id)
        rows = [
            RESULT.upgrade_from(state.format, json.loads(row))
            for row in self._client.lrange(key, offset, offset + size - 1)
        ]
        for index, row in enumerate(rows):
            if "hit" in row:
                rows[index] = materialise(row["hit"])
                # If the search expired meanwhile the write-back fails; the page is still right.
                with contextlib.suppress(redis.ResponseError):
                    self._client.lset(key, offset + index, json.dumps(rows[index], sort_keys=True))
        return rows

    def scan(self, cursor: int, count: int) -> tuple[int, list[str]]:
        """One ``SCAN`` step over the stored searches: ``(next cursor, search ids)``, 0 when done."""
        cursor, keys = self._client.scan(cursor, match=state_key("*"), count=count, _type="hash")
        ids = [as_text(key)[len(state_key("")) - 1 : -1] for key in keys if as_text(key).endswith("}")]
        return int(cursor), ids

    def upgrade(self, search_id: str, dry_run: bool = False) -> bool:
        """Rewrite one search's result rows in the current format; False when already current.

        Runs as a transaction watching both keys, so a worker completing the search meanwhile
        (which writes current rows itself) is never overwritten with older ones.
        """
        outdated = False

        def rewrite(pipe: redis.client.Pipeline) -> None:
            nonlocal outdated
            raw = pipe.hgetall(state_key(search_id))
            outdated = bool(raw) and "status" in raw and not SEARCH.is_current(raw)
            if not outdated or dry_run:
                return
            version = SEARCH.version_of(raw)
            rows = pipe.lrange(results_key(search_id), 0, -1)
            pipe.multi()
            for index, row in enumerate(rows):
                upgraded = RESULT.upgrade_from(version, json.loads(row))
                pipe.lset(results_key(search_id), index, json.dumps(upgraded, sort_keys=True))
            pipe.hset(state_key(search_id), SEARCH.version_field, SEARCH.current)

        self._client.transaction(rewrite, state_key(search_id), results_key(search_id))
        return outdated

    def stale(self, older_than: float) -> list[str]:
        """Searches created before ``older_than`` that were never seen finishing."""
        return [as_text(member) for member in self._client.zrangebyscore(ACTIVE_INDEX, "-inf", older_than)]

    def forget_active(self, search_id: str) -> None:
        self._client.zrem(ACTIVE_INDEX, search_id)

    def _write(
        self, search_id: str, fields: dict[FieldT, EncodableT], pipe: redis.client.Pipeline | None = None
    ) -> None:
        target = pipe if pipe is not None else self._client.pipeline()
        target.hset(state_key(search_id), mapping=fields)
        target.expire(state_key(search_id), self._ttl)
        if fields.get("status") in TERMINAL_STATUSES:
            target.zrem(ACTIVE_INDEX, search_id)
        if pipe is None:
            target.execute()
