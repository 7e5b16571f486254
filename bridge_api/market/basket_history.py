"""What ₹100 put into a weighted basket became, day by day, from the stored closes.

The basket is bought at the closes of the period's first day in the given weights and then
held (no rebalancing): on each later day its value is 100 x sum(weight x close / first
close). Beside it, the same stocks in equal weights, held the same way. The days are those
on which any of the stocks has a bar, from the first day on which all of them have one; a
stock without a bar on such a day counts at its last close. Exact decimals, each value
rounded half-even to the paisa.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.db.models import Bar

Period = Literal["1y", "3y", "all"]
PERIOD_YEARS: dict[Period, int] = {"1y": 1, "3y": 3}
START = Decimal(100)
_PAISA = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class BasketHistory:
    """The two baskets' values on each day of the period, and the periods the bars cover."""

    days: list[date]
    model: list[Decimal]
    equal_weight: list[Decimal]
    periods: list[Period]
    """Every period fully covered by the bars (`all` always)."""


def basket_history(
    session: Session, weights: Mapping[str, Decimal], period: Period = "all"
) -> BasketHistory | None:
    """The history of a basket with `weights` (fractions summing to 1) over `period` counted
    back from the last bar; None when a stock has no bar or fewer than two days remain."""
    symbols = sorted(weights)
    if not symbols:
        return None
    closes: dict[str, dict[date, Decimal]] = {s: {} for s in symbols}
    for symbol, day, close in session.execute(
        select(Bar.symbol, Bar.day, Bar.close).where(Bar.symbol.in_(symbols))
    ).all():
        closes[symbol][day] = close
    if any(not by_day for by_day in closes.values()):
        return None
    first = max(min(by_day) for by_day in closes.values())
    every = sorted({d for by_day in closes.values() for d in by_day if d >= first})
    last = every[-1]
    periods: list[Period] = [p for p, n in PERIOD_YEARS.items() if first <= _years_before(last, n)]
    periods.append("all")
    since = first if period == "all" else max(first, _years_before(last, PERIOD_YEARS[period]))
    days = [d for d in every if d >= since]
    if len(days) < 2:
        return None
    table = _filled(closes, days)
    equal = Decimal(1) / len(symbols)
    return BasketHistory(
        days=days,
        model=_values(table, {s: weights[s] for s in symbols}),
        equal_weight=_values(table, dict.fromkeys(symbols, equal)),
        periods=periods,
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _filled(closes: dict[str, dict[date, Decimal]], days: list[date]) -> dict[str, list[Decimal]]:
    """Each stock's close on each day, its last close where it has no bar (the first day has
    one for every stock, or an earlier bar does)."""
    out: dict[str, list[Decimal]] = {}
    for symbol, by_day in closes.items():
        earlier = [d for d in by_day if d <= days[0]]
        price = by_day[max(earlier)]
        series = []
        for day in days:
            price = by_day.get(day, price)
            series.append(price)
        out[symbol] = series
    return out


def _values(table: dict[str, list[Decimal]], weights: dict[str, Decimal]) -> list[Decimal]:
    shares = {s: START * w / table[s][0] for s, w in weights.items()}
    length = len(next(iter(table.values())))
    return [
        sum((shares[s] * table[s][i] for s in shares), Decimal(0)).quantize(
            _PAISA, rounding=ROUND_HALF_EVEN
        )
        for i in range(length)
    ]
