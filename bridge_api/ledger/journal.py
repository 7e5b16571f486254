"""Reading the journal: recent entries, for an operator to find one (to reverse, say)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bridge_api.db.models import Cause, JournalEntry, Posting


@dataclass(frozen=True, slots=True)
class EntryLine:
    """A journal entry, how many postings it has, and the entry that reversed it, if any."""

    id: int
    cause: str
    memo: str
    effective_on: date
    created_at: datetime
    batch_id: int | None
    corrects_id: int | None
    corrected_by: int | None
    postings: int


def recent(
    session: Session, *, cause: Cause | None = None, limit: int, before: int | None = None
) -> list[EntryLine]:
    """Entries newest first (of one cause, if given); page with `before` (an entry id)."""
    correction = aliased(JournalEntry)
    postings = (
        select(func.count())
        .select_from(Posting)
        .where(Posting.entry_id == JournalEntry.id)
        .scalar_subquery()
    )
    corrected_by = (
        select(func.min(correction.id))
        .where(correction.corrects_id == JournalEntry.id)
        .scalar_subquery()
    )
    query = (
        select(JournalEntry, postings, corrected_by).order_by(JournalEntry.id.desc()).limit(limit)
    )
    if cause is not None:
        query = query.where(JournalEntry.cause == cause)
    if before is not None:
        query = query.where(JournalEntry.id < before)
    return [
        EntryLine(
            id=entry.id,
            cause=str(entry.cause),
            memo=entry.memo,
            effective_on=entry.effective_on,
            created_at=entry.created_at,
            batch_id=entry.batch_id,
            corrects_id=entry.corrects_id,
            corrected_by=fixed,
            postings=int(count),
        )
        for entry, count, fixed in session.execute(query).all()
    ]
