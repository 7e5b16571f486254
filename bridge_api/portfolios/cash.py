"""Pay-ins, pay-outs and earmarks: the only ways cash enters, leaves or moves between books.

The platform cannot move money itself: an admin records a pay-in once it has arrived and a
pay-out once it has been sent. Only settled cash can be paid out. Earmarking moves an
investor's free cash into one subscription; the ledger refuses any move that would take a
book below zero, so no intent can spend cash that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bridge_api.audit.service import record
from bridge_api.calendar import ist_today
from bridge_api.db.models import (
    Bucket,
    Cause,
    JournalEntry,
    LedgerAccount,
    LedgerKind,
    Posting,
    Role,
    User,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict, NotFound
from bridge_api.ledger.service import (
    BANK,
    Leg,
    check_amount,
    investor_account,
    named_account,
    post,
    subscription_account,
)


def payin(
    session: Session,
    admin: User,
    *,
    user_id: int,
    amount: Decimal,
    reference: str,
    on: date | None = None,
) -> JournalEntry:
    """Record money an investor has paid in; it becomes their free, settled cash (audited).
    `on` is the day it arrived (default today, IST; a simulation passes its own day)."""
    return _bank_transfer(session, admin, user_id, amount, reference, paid_in=True, on=on)


def payout(
    session: Session, admin: User, *, user_id: int, amount: Decimal, reference: str
) -> JournalEntry:
    """Record money sent to an investor from their free, settled cash (audited)."""
    return _bank_transfer(session, admin, user_id, amount, reference, paid_in=False)


def _bank_transfer(
    session: Session,
    admin: User,
    user_id: int,
    amount: Decimal,
    reference: str,
    *,
    paid_in: bool,
    on: date | None = None,
) -> JournalEntry:
    user = _investor(session, user_id)
    check_amount(amount)
    investor = investor_account(session, user.id)
    bank = named_account(session, BANK, LedgerKind.EXTERNAL)
    if paid_in:
        legs = [Leg(bank, CASH, -amount), Leg(investor, CASH, amount)]
    else:
        legs = [Leg(investor, CASH, -amount, Bucket.SETTLED), Leg(bank, CASH, amount)]
    entry = post(
        session,
        cause=Cause.PAYIN if paid_in else Cause.PAYOUT,
        legs=legs,
        effective_on=on or ist_today(),
        memo=f"{'pay-in' if paid_in else 'pay-out'} {reference}",
        created_by=admin.id,
    )
    record(
        session,
        actor=admin,
        action="cash.payin" if paid_in else "cash.payout",
        entity="user",
        entity_id=user_id,
        after={"amount": str(amount), "reference": reference, "entry": entry.id},
    )
    return entry


def earmark(
    session: Session,
    user: User,
    subscription_id: int,
    amount: Decimal,
    memo: str,
    *,
    on: date | None = None,
) -> JournalEntry:
    """Move free settled cash of `user` into a subscription's cash (on `on`, default today)."""
    return post(
        session,
        cause=Cause.EARMARK,
        legs=[
            Leg(investor_account(session, user.id), CASH, -amount, Bucket.SETTLED),
            Leg(subscription_account(session, subscription_id), CASH, amount, Bucket.SETTLED),
        ],
        effective_on=on or ist_today(),
        memo=memo,
        created_by=user.id,
    )


def release(
    session: Session,
    user_id: int,
    subscription_id: int,
    *,
    amount: Decimal,
    bucket: Bucket,
    memo: str,
    effective_on: date | None = None,
) -> JournalEntry:
    """Return a subscription's cash to its investor's free cash, in the same bucket, dated by
    the day it happens in the market (`effective_on`, e.g. the trade date of the exit that
    freed it), today by default."""
    return post(
        session,
        cause=Cause.RELEASE,
        legs=[
            Leg(subscription_account(session, subscription_id), CASH, -amount, bucket),
            Leg(investor_account(session, user_id), CASH, amount, bucket),
        ],
        effective_on=effective_on or ist_today(),
        memo=memo,
    )


def _investor(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if user.role is not Role.INVESTOR:
        raise Conflict(f"user {user_id} is a {user.role}: pay-ins and pay-outs are for investors")
    return user


@dataclass(frozen=True, slots=True)
class Transfer:
    """A pay-in (positive) or pay-out (negative) of an investor's free cash."""

    entry_id: int
    kind: str
    user_id: int
    email: str
    full_name: str
    amount: Decimal
    memo: str
    effective_on: date
    created_at: datetime
    reversed: bool


def transfers(
    session: Session,
    *,
    kind: Cause | None = None,
    user_id: int | None = None,
    limit: int,
    before: int | None = None,
) -> list[Transfer]:
    """Pay-ins and pay-outs, newest first; page with `before` (an entry id)."""
    correction = aliased(JournalEntry)
    reversed_ = select(correction.id).where(correction.corrects_id == JournalEntry.id).exists()
    query = (
        select(JournalEntry, User, Posting.amount, reversed_)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .join(User, User.id == LedgerAccount.user_id)
        .where(
            JournalEntry.cause.in_([kind] if kind else [Cause.PAYIN, Cause.PAYOUT]),
            LedgerAccount.kind == LedgerKind.INVESTOR,
            Posting.asset == CASH,
        )
        .order_by(JournalEntry.id.desc())
        .limit(limit)
    )
    if user_id is not None:
        query = query.where(User.id == user_id)
    if before is not None:
        query = query.where(JournalEntry.id < before)
    return [
        Transfer(
            entry_id=entry.id,
            kind=str(entry.cause),
            user_id=user.id,
            email=user.email,
            full_name=user.full_name,
            amount=amount,
            memo=entry.memo,
            effective_on=entry.effective_on,
            created_at=entry.created_at,
            reversed=bool(was_reversed),
        )
        for entry, user, amount, was_reversed in session.execute(query).all()
    ]
