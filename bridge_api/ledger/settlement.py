"""T+1 settlement: the unsettled cash and shares of earlier trading days become settled."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.db.models import Bucket, Cause, JournalEntry, Posting, SettledEntry
from bridge_api.ledger.service import Leg, among, post


def settle(session: Session, *, as_of: date) -> int:
    """T+1: settle, in one netted entry, the unsettled postings of every entry dated before
    `as_of` that is not settled yet; returns how many entries it settled.

    Run it at the start of trading day `as_of`, before that day's trades. Netting matters: a
    day's buy may have spent the previous day's unsettled sale proceeds, so only the sum of
    the entries moves without taking any book below zero.
    """
    done = select(SettledEntry.entry_id)
    pending = list(
        session.execute(
            select(JournalEntry.id)
            .where(
                JournalEntry.effective_on < as_of,
                JournalEntry.cause != Cause.SETTLEMENT,
                JournalEntry.id.in_(
                    select(Posting.entry_id).where(Posting.bucket == Bucket.UNSETTLED)
                ),
                JournalEntry.id.not_in(done),
            )
            .order_by(JournalEntry.id)
        ).scalars()
    )
    if not pending:
        return 0
    net: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for posting in session.execute(
        select(Posting).where(among(Posting.entry_id, pending), Posting.bucket == Bucket.UNSETTLED)
    ).scalars():
        net[(posting.account_id, posting.asset)] += posting.amount
    legs = []
    for (account, asset), amount in sorted(net.items()):
        if amount:
            legs += [
                Leg(account, asset, -amount, Bucket.UNSETTLED),
                Leg(account, asset, amount, Bucket.SETTLED),
            ]
    entry = (
        post(
            session,
            cause=Cause.SETTLEMENT,
            legs=legs,
            effective_on=as_of,
            memo=f"T+1 settlement of {len(pending)} entries dated before {as_of}",
        )
        if legs
        else None
    )
    session.add_all(
        SettledEntry(entry_id=e, settlement_id=entry.id if entry else e) for e in pending
    )
    return len(pending)
