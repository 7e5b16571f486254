"""Expected annual return and volatility of a weighted basket from daily closes.

Daily simple returns of each symbol over their common days; the basket's daily return is the
weighted sum (weights rebalanced daily, a standard approximation); annualised with 252 trading
days: return = (1 + mean)^252 - 1, volatility = stdev x sqrt(252). Statistics, not money:
computed in floating point and reported rounded to four decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.db.models import Bar

TRADING_DAYS = 252
_FOUR = Decimal("0.0001")
_LARGEST = 1e12


@dataclass(frozen=True, slots=True)
class BasketStats:
    """Annualised statistics over `days` daily returns."""

    expected_annual_return: Decimal
    annual_volatility: Decimal
    days: int


def basket_stats(session: Session, weights: Mapping[str, Decimal]) -> BasketStats | None:
    """Statistics of a basket with `weights` (fractions summing to 1); None without history."""
    symbols = sorted(weights)
    rows = session.execute(
        select(Bar.symbol, Bar.day, Bar.close).where(Bar.symbol.in_(symbols)).order_by(Bar.day)
    ).all()
    by_symbol: dict[str, dict[date, float]] = {s: {} for s in symbols}
    for symbol, day, close in rows:
        by_symbol[symbol][day] = float(close)
    common = sorted(set.intersection(*(set(d) for d in by_symbol.values()))) if symbols else []
    if len(common) < 3:
        return None
    closes = np.array([[by_symbol[s][d] for d in common] for s in symbols])
    returns = closes[:, 1:] / closes[:, :-1] - 1
    basket = np.array([float(weights[s]) for s in symbols]) @ returns
    annual_return = (1 + basket.mean()) ** TRADING_DAYS - 1
    volatility = basket.std(ddof=1) * np.sqrt(TRADING_DAYS)
    if not abs(annual_return) < _LARGEST or not volatility < _LARGEST:
        return None  # a few wild days compound past anything worth showing (or past Decimal's)
    return BasketStats(
        expected_annual_return=Decimal(str(annual_return)).quantize(_FOUR),
        annual_volatility=Decimal(str(volatility)).quantize(_FOUR),
        days=basket.size,
    )
