"""Shortlists: create, list, rename, delete, add and remove series, always for one owner.

Another owner's shortlist is indistinguishable from a missing one (``None``), so callers answer
404 and ids cannot be probed (OWASP API1).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omics.formats import SHORTLIST
from omics.security.models import utcnow
from omics.workspace.models import Shortlist, ShortlistItem

MAX_SHORTLISTS = 100
MAX_ITEMS = 1000


class ShortlistError(Exception):
    """A request the rules refuse: a duplicate name, or a limit reached."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def list_for(session: Session, owner: str) -> list[Shortlist]:
    return list(session.scalars(select(Shortlist).where(Shortlist.owner == owner).order_by(Shortlist.name)))


def find(session: Session, owner: str, shortlist_id: str) -> Shortlist | None:
    shortlist = session.get(Shortlist, shortlist_id)
    return shortlist if shortlist is not None and shortlist.owner == owner else None


def _check_name_free(session: Session, owner: str, name: str, except_id: str | None = None) -> None:
    taken = session.scalar(select(Shortlist.id).where(Shortlist.owner == owner, Shortlist.name == name))
    if taken is not None and taken != except_id:
        raise ShortlistError(f"you already have a shortlist named {name!r}", "name_taken")


def create(session: Session, owner: str, name: str) -> Shortlist:
    count = session.scalar(select(func.count()).select_from(Shortlist).where(Shortlist.owner == owner))
    if (count or 0) >= MAX_SHORTLISTS:
        raise ShortlistError(f"at most {MAX_SHORTLISTS} shortlists per account", "too_many_shortlists")
    _check_name_free(session, owner, name)
    shortlist = Shortlist(id=uuid.uuid4().hex, owner=owner, name=name, record_format=SHORTLIST.current)
    session.add(shortlist)
    session.flush()
    return shortlist


def rename(session: Session, shortlist: Shortlist, name: str) -> None:
    _check_name_free(session, shortlist.owner, name, except_id=shortlist.id)
    shortlist.name = name
    shortlist.updated_at = utcnow()


def add(shortlist: Shortlist, accessions: Iterable[str]) -> list[str]:
    """Add series not yet in the shortlist; returns the accessions actually added."""
    present = {item.accession for item in shortlist.items}
    new = [a for a in dict.fromkeys(accessions) if a not in present]
    if len(present) + len(new) > MAX_ITEMS:
        raise ShortlistError(f"a shortlist holds at most {MAX_ITEMS} series", "too_many_items")
    shortlist.items.extend(ShortlistItem(accession=accession) for accession in new)
    if new:
        shortlist.updated_at = utcnow()
    return new


def remove(shortlist: Shortlist, accession: str) -> bool:
    for item in shortlist.items:
        if item.accession == accession:
            shortlist.items.remove(item)
            shortlist.updated_at = utcnow()
            return True
    return False


def to_dict(shortlist: Shortlist, with_items: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": shortlist.id,
        "name": shortlist.name,
        "count": len(shortlist.items),
        "created_at": shortlist.created_at.isoformat() + "Z",
        "updated_at": shortlist.updated_at.isoformat() + "Z",
    }
    if with_items:
        view["accessions"] = [item.accession for item in shortlist.items]
    return view
