"""An investor's monthly statement: each book's opening and closing cash and holdings (valued
at the last closes on or before each end), every movement of the month, the charges paid and
the gains realised in it. Dates are effective dates (IST); each book's closing balances are
its opening balances plus the month's movements, exactly."""

from __future__ import annotations

import calendar as months
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bridge_api.analytics.series import closes_on
from bridge_api.db.models import (
    Cause,
    JournalEntry,
    LedgerAccount,
    LotConsumption,
    Posting,
    Subscription,
    TaxLot,
    User,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Invalid

ZERO = Decimal("0.00")


@dataclass(slots=True)
class Position:
    """A book's cash (both buckets) and shares at one end of the month, and their value."""

    cash: Decimal = ZERO
    shares: dict[str, int] = field(default_factory=dict)
    value: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Line:
    """One posting to one of the investor's books in the month."""

    day: date
    entry_id: int
    cause: str
    memo: str
    book: str
    asset: str
    amount: Decimal


@dataclass(slots=True)
class Statement:
    """The month's statement (see the module doc)."""

    first: date
    last: date
    opening: dict[str, Position]
    closing: dict[str, Position]
    lines: list[Line]
    charges: Decimal
    realised: Decimal


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and the last day of a month."""
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Invalid(
            f"no month {year}-{month:02d}",
            errors=[{"field": "month", "message": "a year from 2000 to 2100 and a month 1 to 12"}],
        )
    return date(year, month, 1), date(year, month, months.monthrange(year, month)[1])


def monthly(session: Session, user: User, year: int, month: int) -> Statement:
    """The investor's statement for a month."""
    first, last = month_bounds(year, month)
    books = dict(
        session.execute(
            select(LedgerAccount.id, LedgerAccount.name).where(
                or_(
                    LedgerAccount.user_id == user.id,
                    LedgerAccount.subscription_id.in_(
                        select(Subscription.id).where(Subscription.user_id == user.id)
                    ),
                )
            )
        ).all()
    )
    before = first - timedelta(days=1)
    opening = _positions(session, books, before)
    closing = _positions(session, books, last)
    rows = session.execute(
        select(JournalEntry, Posting)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .where(
            Posting.account_id.in_(list(books)),
            JournalEntry.effective_on >= first,
            JournalEntry.effective_on <= last,
        )
        .order_by(JournalEntry.effective_on, JournalEntry.id, Posting.id)
    ).all()
    lines = [
        Line(
            day=entry.effective_on,
            entry_id=entry.id,
            cause=str(entry.cause),
            memo=entry.memo,
            book=books[posting.account_id],
            asset=posting.asset,
            amount=posting.amount,
        )
        for entry, posting in rows
    ]
    charges = -sum(
        (line.amount for line in lines if line.cause == Cause.CHARGES and line.asset == CASH),
        ZERO,
    )
    realised = session.execute(
        select(func.coalesce(func.sum(LotConsumption.proceeds - LotConsumption.cost), 0))
        .join(TaxLot, TaxLot.id == LotConsumption.lot_id)
        .join(Subscription, Subscription.id == TaxLot.subscription_id)
        .where(
            Subscription.user_id == user.id,
            LotConsumption.sold_on >= first,
            LotConsumption.sold_on <= last,
        )
    ).scalar_one()
    return Statement(
        first=first,
        last=last,
        opening=opening,
        closing=closing,
        lines=lines,
        charges=charges,
        realised=Decimal(realised),
    )


def _positions(session: Session, books: dict[int, str], until: date) -> dict[str, Position]:
    rows = session.execute(
        select(Posting.account_id, Posting.asset, func.sum(Posting.amount))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id.in_(list(books)), JournalEntry.effective_on <= until)
        .group_by(Posting.account_id, Posting.asset)
    ).all()
    held: dict[str, Position] = defaultdict(Position)
    for account, asset, amount in rows:
        position = held[books[account]]
        if asset == CASH:
            position.cash += amount
        elif amount:
            position.shares[asset] = int(amount)
    symbols = sorted({s for p in held.values() for s in p.shares})
    prices = {s: series[-1] for s, series in closes_on(session, symbols, [until]).items()}
    for position in held.values():
        position.shares = dict(sorted(position.shares.items()))
        position.value = position.cash + sum(
            (prices[s] * q for s, q in position.shares.items()), ZERO
        )
    return {name: held[name] for name in sorted(held)}
