"""Performance figures of a daily value series with external flows.

Values and flows are `Decimal` rupees; returns are ratios, computed as floats (a return is not
money, and the statistics are numpy's). Conventions, the same as `empyrical`'s where it has one:

- a day's return is ``(value - flow) / previous value - 1``: a flow (money put in or taken out
  that day) is not a return, it arrives with the day's closing value;
- time-weighted return: the product of ``1 + r`` over the days, less 1;
- money-weighted return: XIRR (`pyxirr`) of the flows, taken from the investor's side (money
  put in negative), and the closing value as the last flow;
- annualised volatility: the daily returns' sample standard deviation times sqrt(252);
- Sharpe: the mean daily excess return over its sample standard deviation, times sqrt(252);
  Sortino: the mean daily excess return times 252 over the downside deviation (the root mean
  square of the negative excess returns, times sqrt(252));
- the daily risk-free rate is ``(1 + annual) ** (1 / 252) - 1``;
- maximum drawdown: the deepest fall of the time-weighted index from its running peak, with
  the peak's, the trough's and (if it came back) the recovery's dates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
from pyxirr import InvalidPaymentsError, xirr

DAYS_PER_YEAR = 252


@dataclass(frozen=True, slots=True)
class Drawdown:
    """The deepest fall from a peak (a negative fraction), and its dates."""

    depth: float
    peak: date | None
    trough: date | None
    recovered: date | None


def daily_returns(
    days: Sequence[date], values: Sequence[Decimal], flows: Sequence[Decimal]
) -> tuple[list[date], list[float]]:
    """The days with a return (the previous day held something) and their returns."""
    out_days, returns = [], []
    for i in range(1, len(days)):
        before = values[i - 1]
        if before > 0:
            out_days.append(days[i])
            returns.append(float((values[i] - flows[i]) / before) - 1.0)
    return out_days, returns


def time_weighted(returns: Sequence[float]) -> float:
    """The compounded return, flows neutralised."""
    return float(np.prod(np.add(returns, 1.0)) - 1.0) if returns else 0.0


def money_weighted(
    days: Sequence[date], flows: Sequence[Decimal], final_value: Decimal
) -> float | None:
    """XIRR of the flows (put in: positive `flows`) and the final value; None when it has no
    answer (no money in, or a single day)."""
    dated = [(d, -float(f)) for d, f in zip(days, flows, strict=True) if f]
    if not dated:
        return None
    dated.append((days[-1], float(final_value)))
    try:
        rate = xirr([d for d, _ in dated], [a for _, a in dated])
    except InvalidPaymentsError:
        return None
    return None if rate is None or math.isnan(rate) else float(rate)


def daily_rate(annual: float) -> float:
    """The per-day equivalent of an annual rate."""
    return float((1.0 + annual) ** (1.0 / DAYS_PER_YEAR) - 1.0)


def volatility(returns: Sequence[float]) -> float | None:
    """Annualised standard deviation of daily returns (None with fewer than two)."""
    if len(returns) < 2:
        return None
    return float(np.std(returns, ddof=1) * math.sqrt(DAYS_PER_YEAR))


def sharpe(returns: Sequence[float], risk_free_daily: float) -> float | None:
    """Annualised Sharpe ratio (None when it is undefined)."""
    if len(returns) < 2:
        return None
    excess = np.subtract(returns, risk_free_daily)
    spread = float(np.std(excess, ddof=1))
    if spread <= 1e-12 * abs(float(np.mean(excess))):
        return None  # constant returns: no risk to divide by (a float std is not exactly 0)
    return float(np.mean(excess) / spread * math.sqrt(DAYS_PER_YEAR))


def sortino(returns: Sequence[float], risk_free_daily: float) -> float | None:
    """Annualised Sortino ratio (None when nothing fell below the risk-free rate)."""
    if len(returns) < 2:
        return None
    excess = np.subtract(returns, risk_free_daily)
    downside = math.sqrt(float(np.mean(np.square(np.minimum(excess, 0.0))))) * math.sqrt(
        DAYS_PER_YEAR
    )
    if downside == 0.0:
        return None
    return float(np.mean(excess) * DAYS_PER_YEAR / downside)


def max_drawdown(
    days: Sequence[date], returns: Sequence[float], *, start: date | None = None
) -> Drawdown:
    """The deepest fall of the compounded index (see the module doc); `start` is the day the
    index starts at 1 (the day before the first return)."""
    index, peak, peak_day = 1.0, 1.0, start
    worst, worst_peak = Drawdown(0.0, None, None, None), 1.0
    for day, r in zip(days, returns, strict=True):
        index *= 1.0 + r
        if index >= peak:
            if worst.trough is not None and worst.recovered is None and index >= worst_peak:
                worst = Drawdown(worst.depth, worst.peak, worst.trough, day)
            peak, peak_day = index, day
            continue
        depth = index / peak - 1.0
        if depth < worst.depth:
            worst, worst_peak = Drawdown(depth, peak_day, day, None), peak
    return worst


def tracking_error(returns: Sequence[float], benchmark: Sequence[float]) -> float | None:
    """Annualised standard deviation of the daily differences from a benchmark."""
    if len(returns) < 2:
        return None
    return float(np.std(np.subtract(returns, benchmark), ddof=1) * math.sqrt(DAYS_PER_YEAR))
