"""The notify step: saved searches run over the newly published series, alerts recorded once
and put on the owner's live channel; a compensated ingestion takes its alerts back."""

from __future__ import annotations

import argparse
import json
import uuid

import pytest

from omics.connections.redis import resolve_redis_url
from omics.runtime import shared_engine
from omics.runtime.ingest_cli import run_ingest
from omics.runtime.ingestion import build_ingestion
from omics.search.request import SearchRequest


def ingest(settings, accessions: list[str]) -> None:
    run_ingest(settings, argparse.Namespace(since=None, until=None, accessions=accessions, all=False))


def test_saved_search_alerts_arrive_once_on_the_owners_channel(ingest_settings, monkeypatch) -> None:
    wiring = build_ingestion(
        ingest_settings, resolve_redis_url(ingest_settings.redis_url, ingest_settings.data_dir)
    )
    book = wiring.alerts
    mine = book.save("alice", "blubber", SearchRequest(query="narwhal blubber"))
    book.save("bob", "unrelated", SearchRequest(query="okapi kidney nephron"))
    book.save("carol", "half of it", SearchRequest(query="narwhal kidney"))  # a partial match only
    seen_before = wiring.user_events.replay("alice")

    monkeypatch.setattr("omics.cache.system.CacheSystem.corpus_changed", _broken)
    with pytest.raises(SystemExit):  # the refresh step fails: nothing published, no alert left
        ingest(ingest_settings, ["GSE990102"])
    assert book.alerts("alice") == []
    monkeypatch.undo()

    ingest(ingest_settings, ["GSE990102"])
    alerts = book.alerts("alice")
    assert [(a["saved_search_id"], a["accession"]) for a in alerts] == [(mine.id, "GSE990102")]
    assert alerts[0]["title"] == "Narwhal blubber adipocyte atlas" and alerts[0]["type"] == "alert"
    assert book.alerts("bob") == []
    assert book.alerts("carol") == []  # the series covers "narwhal" but not "kidney"
    live = [json.loads(text) for _seq, text in wiring.user_events.replay("alice", len(seen_before))]
    assert [(e["type"], e["accession"], e["saved_search_id"]) for e in live] == [
        ("alert", "GSE990102", mine.id)
    ]
    assert shared_engine(ingest_settings).get("GSE990102") is not None


def _broken(*args, **kwargs):
    raise RuntimeError("injected failure")


def test_an_alert_reusing_a_deleted_alerts_id_still_reaches_the_socket(ingest_settings) -> None:
    """SQLite hands a deleted row's id out again (deleting a saved search deletes its alerts), and
    two databases may share one Redis: the channel must not take a new alert for one it sent."""
    wiring = build_ingestion(
        ingest_settings, resolve_redis_url(ingest_settings.redis_url, ingest_settings.data_dir)
    )
    owner = f"reuse-{uuid.uuid4().hex[:8]}"
    first = {"type": "alert", "id": 7, "saved_search_id": "s1", "accession": "GSE1", "title": "one"}
    again = {**first, "saved_search_id": "s2", "accession": "GSE2", "title": "two"}  # the same id, reused
    wiring.deliver(owner, first)
    wiring.deliver(owner, again)
    wiring.deliver(owner, again)  # a redelivered notify step: still once
    sent = [json.loads(text) for _seq, text in wiring.user_events.replay(owner)]
    assert [(e["saved_search_id"], e["accession"]) for e in sent] == [("s1", "GSE1"), ("s2", "GSE2")]
