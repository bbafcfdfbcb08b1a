"""The audit chain: secrets never stored, and every kind of tampering detected."""

from __future__ import annotations

import threading

from sqlalchemy import delete, select, update

from omics.security import audit
from omics.security.database import Database
from omics.security.models import AuditEntry


def _fill(database: Database, count: int) -> None:
    for number in range(count):
        audit.record(
            database,
            audit.AuditEvent(
                action="login",
                outcome="success" if number % 2 else "failure",
                actor=f"user{number}",
                actor_role="researcher",
                ip="192.0.2.1",
                details={"n": number},
            ),
        )


def _verify(database: Database) -> audit.VerifyReport:
    with database.transaction() as session:
        return audit.verify(session)


def test_intact_chain_verifies(database: Database) -> None:
    _fill(database, 5)
    report = _verify(database)
    assert report.ok and report.entries == 5


def test_secrets_are_scrubbed() -> None:
    jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    scrubbed = audit.scrub(
        {
            "password": "hunter22",
            "refresh_token": "x",
            "note": f"Bearer {jwt_like}",
            "nested": [{"key": "omk_abc"}],
            "key_id": "key_12",
            "found": "omk_abcdef",
        }
    )
    flat = str(scrubbed)
    assert "hunter22" not in flat and jwt_like not in flat and "omk_abc" not in flat
    assert scrubbed["key_id"] == "key_12"


def test_edited_entry_detected(database: Database) -> None:
    _fill(database, 5)
    with database.transaction() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(outcome="success"))
    report = _verify(database)
    assert not report.ok and any("entry 3 was altered" in problem for problem in report.problems)


def test_deleted_middle_entry_detected(database: Database) -> None:
    _fill(database, 5)
    with database.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    assert any("missing" in problem for problem in _verify(database).problems)


def test_deleted_last_entry_detected(database: Database) -> None:
    _fill(database, 5)
    with database.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
    assert not _verify(database).ok


def test_rehashed_forgery_still_detected_by_head(database: Database) -> None:
    """An attacker who edits an entry and recomputes its hash breaks the link to the next one."""
    _fill(database, 4)
    with database.transaction() as session:
        entry = session.get(AuditEntry, 2)
        entry.actor = "someone-else"
        entry.entry_hash = audit._hash_of(entry)
    report = _verify(database)
    assert any("does not follow" in problem for problem in report.problems)


def test_concurrent_writers_keep_one_chain(database: Database) -> None:
    threads = [threading.Thread(target=_fill, args=(database, 10)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = _verify(database)
    assert report.ok, report.problems
    assert report.entries == 40


def test_listing_filters(database: Database) -> None:
    _fill(database, 6)
    with database.transaction() as session:
        failures = audit.list_entries(session, audit.AuditFilter(outcome="failure"))
        assert [entry.seq for entry in failures] == [1, 3, 5]
        page = audit.list_entries(session, audit.AuditFilter(after_seq=4, limit=1))
        assert [entry.seq for entry in page] == [5]
        assert session.scalars(select(AuditEntry.actor).where(AuditEntry.seq == 1)).one() == "user0"
