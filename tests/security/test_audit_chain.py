"""The audit chain: secrets never stored, and every kind of tampering detected."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from omics.security import audit
from omics.security.audit_seal import AuditSeal
from omics.security.database import Database
from omics.security.models import AuditEntry, AuditHead, AuditKeying, utcnow


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


def _reopen(database: Database, seal: AuditSeal) -> Database:
    """The same database opened by a process holding ``seal`` (key and anchor file)."""
    reopened = Database(database.engine.url.render_as_string(hide_password=False), seal)
    reopened.create_schema()
    return reopened


def _legacy_append(session: Session, number: int) -> None:
    """What the unkeyed version wrote: the SHA-256 chain (and what a forger can recompute)."""
    head = session.get(AuditHead, 1)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=utcnow(),
        actor=f"old{number}",
        actor_role="researcher",
        action="login",
        target=None,
        outcome="success",
        ip="192.0.2.9",
        details="{}",
        prev_hash=head.last_hash,
    )
    entry.entry_hash = audit._hash_of(entry)
    session.add(entry)
    head.seq, head.last_hash = entry.seq, entry.entry_hash


def test_a_chain_recomputed_without_the_key_is_detected(database: Database) -> None:
    """The red team deleted entries and recomputed the SHA-256 chain; without the key that fails."""
    _fill(database, 6)
    with database.transaction() as session:
        kept = session.get(AuditEntry, 2)
        session.execute(delete(AuditEntry).where(AuditEntry.seq > 2))
        session.execute(update(AuditHead).values(seq=2, last_hash=kept.entry_hash))
        for number in range(3):
            _legacy_append(session, number)
    report = _verify(database)
    assert not report.ok and any("entry 3 was altered" in problem for problem in report.problems)


def test_entries_cut_off_the_end_are_caught_by_the_anchor(database: Database, tmp_path: Path) -> None:
    sealed = _reopen(database, AuditSeal(b"k" * 32, tmp_path / "audit-anchors.log"))
    _fill(sealed, 5)
    assert (tmp_path / "audit-anchors.log").stat().st_mode & 0o777 == 0o600
    with sealed.transaction() as session:
        kept = session.get(AuditEntry, 3)
        session.execute(delete(AuditEntry).where(AuditEntry.seq > 3))
        session.execute(update(AuditHead).values(seq=3, last_hash=kept.entry_hash))  # head rewound
    with sealed.transaction() as session:
        report = audit.verify(session)
    assert any("anchored" in problem for problem in report.problems), report.problems
    sealed.dispose()


def test_entries_written_before_the_chain_was_keyed_still_verify(database: Database, tmp_path: Path) -> None:
    with database.transaction() as session:
        session.execute(delete(AuditKeying))  # a database from the unkeyed version ...
        for number in range(3):
            _legacy_append(session, number)  # ... with its SHA-256 entries
    upgraded = _reopen(database, AuditSeal(b"u" * 32, tmp_path / "audit-anchors.log"))
    _fill(upgraded, 2)
    with upgraded.transaction() as session:
        report = audit.verify(session)
        assert report.ok and report.entries == 5 and report.keyed_from == 4, report.problems
        session.execute(update(AuditKeying).values(keyed_from=6))  # pass keyed entries off as old
    with upgraded.transaction() as session:
        assert any("keying record" in problem for problem in audit.verify(session).problems)
    upgraded.dispose()
