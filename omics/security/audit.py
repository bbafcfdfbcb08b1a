"""Append-only, hash-chained audit log: who did what, when, from where, with what outcome.

Each entry's hash covers its own fields and the previous entry's hash, and the head row holds
the last sequence number and hash, so :func:`verify` notices an edited entry, a deleted one
(a gap or a shortened chain) and a reordered one. Details are scrubbed before storage: a
field named like a secret, or a value shaped like a JWT or an API key, is never written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from omics.security.database import Database
from omics.security.models import GENESIS_HASH, AuditEntry, AuditHead, utcnow

REDACTED = "[redacted]"
_SECRET_FIELD = re.compile(r"pass|token|secret|authorization|cookie|^key$|api_key", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*|omk_\w+|Bearer\s+\S+", re.IGNORECASE)
_VERIFY_BATCH = 1000


@dataclass(frozen=True)
class AuditEvent:
    """What happened, before it gets a place in the chain."""

    action: str
    outcome: str
    actor: str = "anonymous"
    actor_role: str = "anonymous"
    target: str | None = None
    ip: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def scrub(value: Any) -> Any:
    """Copy of ``value`` with secret-named fields and token-shaped strings redacted."""
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_FIELD.search(str(k)) else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return _SECRET_VALUE.sub(REDACTED, value)
    return value


def _hash_of(entry: AuditEntry) -> str:
    """SHA-256 over every stored field of ``entry`` and the hash of the entry before it."""
    payload = json.dumps(
        [
            entry.seq,
            entry.at.isoformat(),
            entry.actor,
            entry.actor_role,
            entry.action,
            entry.target,
            entry.outcome,
            entry.ip,
            entry.details,
            entry.prev_hash,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_head(session: Session) -> AuditHead:
    """Bump the head's sequence, which takes its write lock before anything is read."""
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    return session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()


def append(session: Session, event: AuditEvent) -> AuditEntry:
    """Add ``event`` at the end of the chain inside ``session``'s transaction."""
    head = _lock_head(session)
    entry = AuditEntry(
        seq=head.seq,
        at=utcnow(),
        actor=event.actor,
        actor_role=event.actor_role,
        action=event.action,
        target=scrub(event.target),
        outcome=event.outcome,
        ip=event.ip,
        prev_hash=head.last_hash,
        details=json.dumps(scrub(event.details), sort_keys=True, separators=(",", ":"), default=str),
    )
    entry.entry_hash = _hash_of(entry)
    session.add(entry)
    head.last_hash = entry.entry_hash
    return entry


def record(database: Database, event: AuditEvent) -> AuditEntry:
    """Append ``event`` in a transaction of its own, so it survives the caller's rollback."""
    with database.transaction() as session:
        return append(session, event)


@dataclass
class AuditFilter:
    """Listing filters; every field is optional and they combine with AND."""

    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    ip: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int = 0
    limit: int = 100


def list_entries(session: Session, query: AuditFilter) -> list[AuditEntry]:
    """Entries matching ``query`` in chain order, starting after ``after_seq`` (a cursor)."""
    statement = select(AuditEntry).where(AuditEntry.seq > query.after_seq)
    for column, wanted in (
        (AuditEntry.actor, query.actor),
        (AuditEntry.action, query.action),
        (AuditEntry.outcome, query.outcome),
        (AuditEntry.ip, query.ip),
    ):
        if wanted is not None:
            statement = statement.where(column == wanted)
    if query.since is not None:
        statement = statement.where(AuditEntry.at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditEntry.at < query.until)
    return list(session.scalars(statement.order_by(AuditEntry.seq).limit(query.limit)))


def entry_to_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat() + "Z",
        "actor": entry.actor,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "target": entry.target,
        "outcome": entry.outcome,
        "ip": entry.ip,
        "details": json.loads(entry.details),
        "prev_hash": entry.prev_hash,
        "hash": entry.entry_hash,
    }


def _chain(session: Session) -> Iterator[AuditEntry]:
    last = 0
    while batch := list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(_VERIFY_BATCH)
        )
    ):
        yield from batch
        last = batch[-1].seq


@dataclass
class VerifyReport:
    """Result of :func:`verify`: ``problems`` is empty when the chain is intact."""

    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyReport:
    """Walk the chain, recomputing every hash; report gaps, edits and a truncated end."""
    report = VerifyReport()
    expected_prev, expected_seq = GENESIS_HASH, 1
    for entry in _chain(session):
        report.entries += 1
        if entry.seq != expected_seq:
            report.problems.append(f"entries {expected_seq}..{entry.seq - 1} are missing")
        if entry.prev_hash != expected_prev:
            report.problems.append(f"entry {entry.seq} does not follow the entry before it")
        if _hash_of(entry) != entry.entry_hash:
            report.problems.append(f"entry {entry.seq} was altered after it was written")
        expected_prev, expected_seq = entry.entry_hash, entry.seq + 1
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq != expected_seq - 1 or head_hash != expected_prev:
        report.problems.append(f"the chain ends at entry {expected_seq - 1} but the head records {head_seq}")
    return report
