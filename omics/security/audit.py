"""Append-only, keyed hash chain of audit entries: who did what, when, from where, with what outcome.

Each entry's hash is an HMAC (key outside the database, :mod:`omics.security.audit_seal`) over
its own fields and the previous entry's hash, and the head row holds the last sequence number
and hash, so :func:`verify` notices an edited entry, a deleted one (a gap or a shortened
chain) and a reordered one, even when whoever did it recomputed the hashes; the anchor file
outside the database catches entries cut off the end with the head rewound. Entries written
before the chain was keyed (plain SHA-256) still verify, up to the keying record's boundary.
Details are scrubbed before storage: a field named like a secret, or a value shaped like a
JWT or an API key, is never written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from omics.security.audit_seal import AuditSeal
from omics.security.database import PENDING_ANCHORS, Database, keying_proof
from omics.security.models import GENESIS_HASH, AuditEntry, AuditHead, AuditKeying, utcnow

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


def mask(text: str, shown: int = 2) -> str:
    """``text`` cut to its first characters and its length: enough to correlate, never a secret.

    For free text a person typed where it may not belong (a password in the user-name field).
    """
    return f"{text[:shown]}…({len(text)} chars)"


def _payload(entry: AuditEntry) -> bytes:
    """Every stored field of ``entry`` and the hash of the entry before it, as the hash input."""
    return json.dumps(
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
    ).encode()


def _hash_of(entry: AuditEntry) -> str:
    """The unkeyed SHA-256 of entries written before the chain was keyed."""
    return hashlib.sha256(_payload(entry)).hexdigest()


def _seal(session: Session) -> AuditSeal:
    seal = session.info["audit_seal"]
    assert isinstance(seal, AuditSeal)
    return seal


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
    entry.entry_hash = _seal(session).mac(_payload(entry))
    session.add(entry)
    head.last_hash = entry.entry_hash
    session.info.setdefault(PENDING_ANCHORS, []).append((entry.seq, entry.entry_hash))
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
    keyed_from: int = 1
    anchors: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _keyed_from(session: Session, seal: AuditSeal, report: VerifyReport) -> int:
    """Where keyed entries begin; a missing or forged boundary is a problem (then all must be keyed)."""
    keying = session.get(AuditKeying, 1)
    if keying is None:
        report.problems.append("the chain's keying record is missing")
        return 1
    if not hmac.compare_digest(keying.proof, keying_proof(seal, keying.keyed_from)):
        report.problems.append("the keying record was altered, or this is not the chain's audit key")
        return 1
    return keying.keyed_from


def _check_anchors(anchors: dict[int, str], hashes: dict[int, str], end: int, report: VerifyReport) -> None:
    """Every anchored entry must still be there with the hash it had when it was committed."""
    report.anchors = len(anchors)
    beyond = [seq for seq in anchors if seq > end]
    if beyond:
        report.problems.append(f"the chain ends at entry {end} but entries up to {max(beyond)} were anchored")
    for seq, digest in sorted(anchors.items()):
        if seq <= end and hashes.get(seq) != digest:
            report.problems.append(f"entry {seq} is missing or differs from its anchor outside the database")


def verify(session: Session) -> VerifyReport:
    """Walk the chain, recomputing every hash; report gaps, edits, a truncated end and lost anchors."""
    report, seal = VerifyReport(), _seal(session)
    report.keyed_from = _keyed_from(session, seal, report)
    anchors = seal.anchors()
    anchored: dict[int, str] = {}
    expected_prev, expected_seq = GENESIS_HASH, 1
    for entry in _chain(session):
        report.entries += 1
        if entry.seq != expected_seq:
            report.problems.append(f"entries {expected_seq}..{entry.seq - 1} are missing")
        if entry.prev_hash != expected_prev:
            report.problems.append(f"entry {entry.seq} does not follow the entry before it")
        recomputed = _hash_of(entry) if entry.seq < report.keyed_from else seal.mac(_payload(entry))
        if not hmac.compare_digest(recomputed, entry.entry_hash):
            report.problems.append(f"entry {entry.seq} was altered after it was written")
        if entry.seq in anchors:
            anchored[entry.seq] = entry.entry_hash
        expected_prev, expected_seq = entry.entry_hash, entry.seq + 1
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq != expected_seq - 1 or head_hash != expected_prev:
        report.problems.append(f"the chain ends at entry {expected_seq - 1} but the head records {head_seq}")
    _check_anchors(anchors, anchored, expected_seq - 1, report)
    return report
