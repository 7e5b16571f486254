"""Factor screens from the daily bars: momentum, low volatility, trend and liquidity.

Prices are read into a panel (days x symbols, floats: these are statistics, never money) and
each factor is computed as of one day from that day's close and the bars before it only:

- momentum: the return from `MOMENTUM_DAYS` to `SKIP_DAYS` sessions ago ("6-1": the last month
  is skipped, where short-term reversal lives);
- volatility: the annualised standard deviation of the last `VOLATILITY_DAYS` daily log returns
  (lower ranks better);
- trend: the close over its `TREND_DAYS`-session simple moving average, minus one;
- liquidity: the median traded value (close x volume, rupees) of the last `LIQUIDITY_DAYS`
  sessions.

Ranks are cross-sectional percentiles in [0, 1], higher better (volatility inverted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.db.models import Bar

MOMENTUM_DAYS = 126
SKIP_DAYS = 21
VOLATILITY_DAYS = 63
TREND_DAYS = 100
LIQUIDITY_DAYS = 63
TRADING_DAYS = 252
LOOKBACK = max(MOMENTUM_DAYS, VOLATILITY_DAYS + 1, TREND_DAYS, LIQUIDITY_DAYS)
"""Sessions of history a symbol needs before its factors exist (the first is index LOOKBACK)."""
NAMES = ("momentum", "low_volatility", "trend", "liquidity")


@dataclass(frozen=True, slots=True)
class Panel:
    """Closes and traded values, one row per session and one column per symbol (NaN: no bar)."""

    days: list[date]
    symbols: list[str]
    close: np.ndarray
    traded: np.ndarray

    def index(self, day: date) -> int:
        """The row of the last session on or before `day`."""
        rows = [i for i, d in enumerate(self.days) if d <= day]
        if not rows:
            raise ValueError(f"no bars on or before {day}")
        return rows[-1]


def load_panel(session: Session, *, until: date | None = None) -> Panel:
    """Every stored bar (up to `until`) as a panel."""
    query = select(Bar.day, Bar.symbol, Bar.close, Bar.volume).order_by(Bar.day, Bar.symbol)
    if until is not None:
        query = query.where(Bar.day <= until)
    rows = session.execute(query).all()
    days = sorted({r.day for r in rows})
    symbols = sorted({r.symbol for r in rows})
    return panel_from(
        days, symbols, {(r.day, r.symbol): (float(r.close), int(r.volume)) for r in rows}
    )


def panel_from(
    days: list[date], symbols: list[str], bars: dict[tuple[date, str], tuple[float, int]]
) -> Panel:
    """A panel from (day, symbol) -> (close, volume)."""
    row = {d: i for i, d in enumerate(days)}
    column = {s: j for j, s in enumerate(symbols)}
    close = np.full((len(days), len(symbols)), np.nan)
    traded = np.full((len(days), len(symbols)), np.nan)
    for (day, symbol), (price, volume) in bars.items():
        close[row[day], column[symbol]] = price
        traded[row[day], column[symbol]] = price * volume
    return Panel(days, symbols, close, traded)


@dataclass(frozen=True, slots=True)
class Factors:
    """One symbol's factor values and ranks as of one day."""

    symbol: str
    momentum: float
    volatility: float
    trend: float
    liquidity: float
    ranks: dict[str, float]

    @property
    def score(self) -> float:
        """The factor score: the mean rank of momentum, low volatility and trend."""
        return (self.ranks["momentum"] + self.ranks["low_volatility"] + self.ranks["trend"]) / 3

    def reasons(self, universe: int) -> list[str]:
        """The figures behind the ranks, in words."""

        def place(name: str) -> str:
            return f"{_ordinal(_position(self.ranks[name], universe))} of {universe}"

        return [
            f"momentum {self.momentum:+.1%} over six months to a month ago ({place('momentum')})",
            f"volatility {self.volatility:.1%} a year ({place('low_volatility')} lowest)",
            f"close {self.trend:+.1%} against its {TREND_DAYS}-day average ({place('trend')})",
            f"median traded value Rs {self.liquidity / 1e7:,.2f} crore a day "
            f"({place('liquidity')})",
        ]


def raw_factors(panel: Panel, at: int) -> np.ndarray:
    """Factor values at row `at`: an array symbols x 4 (momentum, volatility, trend, liquidity),
    NaN where a symbol lacks the history."""
    close, traded = panel.close, panel.traded
    out = np.full((len(panel.symbols), 4), np.nan)
    if at < LOOKBACK:
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, 0] = close[at - SKIP_DAYS] / close[at - MOMENTUM_DAYS] - 1
        window = close[at - VOLATILITY_DAYS : at + 1]
        returns = np.diff(np.log(window), axis=0)
        out[:, 1] = returns.std(axis=0, ddof=1) * math.sqrt(TRADING_DAYS)
        out[:, 2] = close[at] / close[at - TREND_DAYS + 1 : at + 1].mean(axis=0) - 1
        out[:, 3] = np.median(traded[at - LIQUIDITY_DAYS + 1 : at + 1], axis=0)
    return out


def ranks(values: np.ndarray) -> np.ndarray:
    """Percentile ranks in [0, 1] of each column among the rows without NaN (higher better;
    the volatility column inverted); ties take their mean rank; a lone row ranks 1."""
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values).any(axis=1)
    count = int(ok.sum())
    if count == 0:
        return out
    for column in range(values.shape[1]):
        column_values = values[ok, column] * (-1 if column == 1 else 1)
        out[ok, column] = _mean_ranks(column_values) / (count - 1) if count > 1 else 1.0
    return out


def factors_at(panel: Panel, at: int) -> list[Factors]:
    """Every symbol with the history for all four factors, as of row `at`, by symbol."""
    values = raw_factors(panel, at)
    ranked = ranks(values)
    return [
        Factors(
            symbol=symbol,
            momentum=float(values[j, 0]),
            volatility=float(values[j, 1]),
            trend=float(values[j, 2]),
            liquidity=float(values[j, 3]),
            ranks={name: float(ranked[j, k]) for k, name in enumerate(NAMES)},
        )
        for j, symbol in enumerate(panel.symbols)
        if not np.isnan(values[j]).any()
    ]


def _mean_ranks(values: np.ndarray) -> np.ndarray:
    """0-based ranks, ascending, ties sharing their mean rank."""
    order = np.argsort(values, kind="stable")
    result = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        result[order[start : end + 1]] = (start + end) / 2
        start = end + 1
    return result


def _position(rank: float, universe: int) -> int:
    """1-based place from the top of a percentile rank."""
    return round((1 - rank) * (universe - 1)) + 1


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
