"""Durable search state and result pages in Redis: the truth behind ``GET /api/v2/searches/{id}``.

A search is a hash (status, progress, owner, the request, summary of the outcome) and, once
completed, a list holding every ranked result in order, so a page is one ``LRANGE`` and a
cursor over a stored search never skips or repeats a result. The WebSocket only accelerates
what this store already says. All keys of one search share a hash tag and expire together.

With ``OMICS_COMPACT_RESULTS=1`` the results are instead packed into one string (hash field
``layout`` = ``packed``; :mod:`omics.realtime.packed_results`), about a twentieth of the list;
the previous release reads only the list, so the packed layout is off by default for a release.
Either way pages are rendered from the engine's records when read, and reading never writes.

The hash's ``format`` field (:data:`omics.formats.SEARCH`) is written together with the result
rows and is also their version: rows are upgraded on read (:data:`omics.formats.RESULT`), and
:meth:`SearchStore.upgrade` rewrites a search in place for ``python app.py migrate``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import redis
from redis.typing import EncodableT, FieldT

from omics.connections.redis import as_text
from omics.formats import RESULT, SEARCH, Progress
from omics.realtime import packed_results
from omics.realtime.keys import ACTIVE_INDEX, TERMINAL_STATUSES, packed_key, results_key, state_key
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
    layout: str = "list"  # or "packed": results in one string (OMICS_COMPACT_RESULTS)
    # Partial matches (some of the query's concepts covered); 0 for searches stored before
    # they were counted apart, whose ``total`` counted every match.
    total_partial: int = 0
    # The worker-loss bookkeeping (see ``omics.realtime.stranded``): how many times a worker
    # started this search, when the latest one did, and when the reaper re-sent it (once).
    deliveries: int = 0
    delivered_at: float = 0.0
    resent_at: float = 0.0

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class SearchStore:
    """Creates, advances and pages searches; every write refreshes the search's expiry."""

    def __init__(
        self, client: redis.Redis, ttl_seconds: int, compact: bool = False, ids: SearchIds | None = None
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        # The deployment's ids (SearchServices passes them); a store made alone (tools, tests)
        # signs with a key of its own process, never a shared constant.
        self.ids = ids or SearchIds.ephemeral()
        self._compact = compact  # write packed results (the previous release reads only lists)

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
            layout=as_text(raw.get("layout") or "list"),
            total_partial=int(raw.get("total_partial", 0)),
            deliveries=int(raw.get("deliveries", 0)),
            delivered_at=float(raw.get("delivered_at", 0)),
            resent_at=float(raw.get("resent_at", 0)),
        )

    def count_delivery(self, search_id: str) -> int:
        """How many times a worker has started this search (the poison-message guard); the
        time of this start is kept too, for the reaper's deadline."""
        with self._client.pipeline() as pipe:
            pipe.hincrby(state_key(search_id), "deliveries", 1)
            pipe.hset(state_key(search_id), "delivered_at", time.time())
            deliveries, _ = pipe.execute()
        return int(deliveries)

    def mark_resent(self, search_id: str, at: float) -> bool:
        """Record that the reaper re-sends the search at ``at``; False when it was re-sent before
        (a search is re-sent once, and two reapers never both send it)."""
        with self._client.pipeline() as pipe:
            pipe.hsetnx(state_key(search_id), "resent_at", at)
            pipe.expire(state_key(search_id), self._ttl)
            first, _ = pipe.execute()
        return bool(first)

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
        """Store every result and mark the search completed (safe to repeat).

        Results go to a list of JSON rows, or, with ``compact`` and a document that says what
        explains its results, packed into one string (:mod:`omics.realtime.packed_results`).
        """
        packed = packed_results.pack(document) if self._compact else None
        with self._client.pipeline() as pipe:
            pipe.delete(results_key(search_id), packed_key(search_id))
            if packed is not None:
                pipe.set(packed_key(search_id), packed, ex=self._ttl)
                pipe.hset(state_key(search_id), "layout", "packed")
            else:
                rows = [json.dumps(row, sort_keys=True) for row in packed_results.compact_rows(document)]
                if rows:
                    pipe.rpush(results_key(search_id), *rows)
                pipe.expire(results_key(search_id), self._ttl)
                pipe.hdel(state_key(search_id), "layout")
            self._write(
                search_id,
                {
                    "status": "completed",
                    "stage": "completed",
                    "progress": 100,
                    "total": document["total"],
                    "total_partial": document.get("total_partial", 0),
                    "stored": len(document["results"]),
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
        """Results ``offset..offset+size`` in the current format; compact rows are materialised on
        each read (not written back: a page read must not grow the search by its rendered size)."""
        search_id = state.id
        if state.layout == "packed":
            packed = self._client.get(packed_key(search_id))
            hits = packed_results.unpack(as_text(packed), offset, size) if packed is not None else []
            return [materialise(hit) for hit in hits]
        key = results_key(search_id)
        rows = [
            RESULT.upgrade_from(state.format, json.loads(row))
            for row in self._client.lrange(key, offset, offset + size - 1)
        ]
        return [materialise(_compact_hit(row)) if "hit" in row else row for row in rows]

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

    def active(self) -> list[str]:
        """Every search not yet seen finishing, oldest first."""
        return self.stale(float("inf"))

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


def _compact_hit(row: dict[str, Any]) -> dict[str, Any]:
    """A compact row's hit, with what a partial match misses (kept beside the hit, see
    :func:`omics.search.presentation.compact_row`)."""
    return {**row["hit"], "missing": row["missing"]} if "missing" in row else dict(row["hit"])
