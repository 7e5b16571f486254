"""A book's daily value series from the ledger and the bars.

On every NSE session from the book's first posting to `until`, the book holds what its
postings dated on or before that day add up to (both buckets: unsettled cash and shares are
the book's too), valued at each symbol's last close on or before the day. External flows are
the postings of the causes that move money into or out of the book from outside it (for a
subscription: earmarks in and releases out; for an investor's whole book: pay-ins, pay-outs
and their corrections), dated by their effective date.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge_api.calendar import sessions
from bridge_api.db.models import Bar, Cause, JournalEntry, Posting
from bridge_api.db.models.ledger import CASH
from bridge_api.market.prices import last_bars

ZERO = Decimal("0.00")
SUBSCRIPTION_FLOWS = frozenset({Cause.EARMARK, Cause.RELEASE})
INVESTOR_FLOWS = frozenset({Cause.PAYIN, Cause.PAYOUT, Cause.CORRECTION})


@dataclass(frozen=True, slots=True)
class ValueSeries:
    """Per session: the book's value, its cash and the external flow of the day."""

    days: list[date]
    values: list[Decimal]
    cash: list[Decimal]
    flows: list[Decimal]
    holdings: dict[str, int]
    """What the book holds on the last day."""
    closes: dict[str, list[Decimal]]
    """Each held symbol's close on each day (the last close on or before it)."""


def value_series(
    session: Session, accounts: Collection[int], *, flow_causes: Collection[Cause], until: date
) -> ValueSeries | None:
    """The books' combined daily series (None when they never held anything)."""
    rows = session.execute(
        select(
            JournalEntry.effective_on,
            JournalEntry.cause,
            Posting.asset,
            func.sum(Posting.amount),
        )
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id.in_(list(accounts)), JournalEntry.effective_on <= until)
        .group_by(JournalEntry.effective_on, JournalEntry.cause, Posting.asset)
    ).all()
    if not rows:
        return None
    changes: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    flow_by_day: dict[date, Decimal] = defaultdict(Decimal)
    for day, cause, asset, amount in rows:
        changes[day][asset] += amount
        if asset == CASH and cause in flow_causes:
            flow_by_day[day] += amount
    first = min(changes)
    days = sessions(first, until)
    if not days or days[0] != first:
        days = [first, *days]
    symbols = sorted({a for change in changes.values() for a in change if a != CASH})
    closes = closes_on(session, symbols, days)
    held: dict[str, Decimal] = defaultdict(Decimal)
    pending = sorted(changes)
    values: list[Decimal] = []
    cash: list[Decimal] = []
    flows: list[Decimal] = []
    at = 0
    money = ZERO
    for day in days:
        flow = ZERO
        while at < len(pending) and pending[at] <= day:
            for asset, amount in changes[pending[at]].items():
                if asset == CASH:
                    money += amount
                else:
                    held[asset] += amount
            flow += flow_by_day.get(pending[at], ZERO)
            at += 1
        index = len(values)
        worth = sum((closes[s][index] * int(q) for s, q in held.items() if q), ZERO)
        values.append(money + worth)
        cash.append(money)
        flows.append(flow)
    return ValueSeries(
        days=days,
        values=values,
        cash=cash,
        flows=flows,
        holdings={s: int(q) for s, q in sorted(held.items()) if q},
        closes=closes,
    )


def closes_on(
    session: Session, symbols: Iterable[str], days: list[date]
) -> dict[str, list[Decimal]]:
    """Each symbol's last close on or before each day (0 before its first bar)."""
    wanted = list(symbols)
    if not wanted:
        return {}
    bars: dict[str, tuple[list[date], list[Decimal]]] = {s: ([], []) for s in wanted}
    # The last bar on or before the first day, then only the bars within the days.
    for symbol, (day, close) in last_bars(session, wanted, days[0] + timedelta(days=1)).items():
        bars[symbol][0].append(day)
        bars[symbol][1].append(close)
    for symbol, day, close in session.execute(
        select(Bar.symbol, Bar.day, Bar.close)
        .where(Bar.symbol.in_(wanted), Bar.day > days[0], Bar.day <= days[-1])
        .order_by(Bar.symbol, Bar.day)
    ).all():
        bars[symbol][0].append(day)
        bars[symbol][1].append(close)
    out: dict[str, list[Decimal]] = {}
    for symbol, (bar_days, prices) in bars.items():
        series = []
        for day in days:
            i = bisect_right(bar_days, day)
            series.append(prices[i - 1] if i else ZERO)
        out[symbol] = series
    return out
