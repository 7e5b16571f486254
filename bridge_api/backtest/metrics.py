"""Return and risk statistics of an equity curve (statistics, not money: floats are fine here,
and every figure is reported rounded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from bridge_api.analytics import performance
from bridge_api.analytics.report import RISK_FREE
from bridge_api.backtest.run import BacktestRun

TRADING_DAYS = 252


@dataclass(frozen=True, slots=True)
class Summary:
    """The headline numbers of a run."""

    start: str
    end: str
    initial: float
    final: float
    total_return: float
    cagr: float
    annual_volatility: float
    max_drawdown: float
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    risk_free_rate: float
    benchmark_total_return: float | None
    rebalances: int
    orders: int
    orders_per_rebalance: float
    mean_fill_ratio: float
    charges: float
    turnover: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return asdict(self)


def drawdown(values: Sequence[Decimal]) -> np.ndarray:
    """Drawdown from the running peak at each point (0 or negative)."""
    curve = np.asarray([float(v) for v in values])
    if curve.size == 0:
        return curve
    peaks = np.maximum.accumulate(curve)
    return curve / peaks - 1


def summarise(run: BacktestRun) -> Summary:
    """Total return, CAGR, volatility, drawdown, turnover, charges, orders and fill ratios."""
    curve = np.asarray([float(v) for v in run.equity])
    returns = curve[1:] / curve[:-1] - 1 if curve.size > 1 else np.zeros(0)
    years = _years(run.days[0], run.days[-1]) if len(run.days) > 1 else 0.0
    total = curve[-1] / curve[0] - 1 if curve.size else 0.0
    traded = sum(float(r.traded_value) for r in run.rebalances)
    orders = sum(r.orders for r in run.rebalances)
    daily_rf = performance.daily_rate(RISK_FREE)
    worst = float(drawdown(run.equity).min()) if curve.size else 0.0
    cagr = float((1 + total) ** (1 / years) - 1) if years > 0 and total > -1 else 0.0
    bench = None
    if run.benchmark:
        bench = float(run.benchmark[-1]) / float(run.benchmark[0]) - 1
    return Summary(
        start=run.days[0].isoformat() if run.days else "",
        end=run.days[-1].isoformat() if run.days else "",
        initial=round(float(curve[0]), 2) if curve.size else 0.0,
        final=round(float(curve[-1]), 2) if curve.size else 0.0,
        total_return=round(float(total), 4),
        cagr=round(cagr, 4),
        annual_volatility=round(float(returns.std(ddof=1) * np.sqrt(TRADING_DAYS)), 4)
        if returns.size > 1
        else 0.0,
        max_drawdown=round(worst, 4),
        sharpe=_rounded(performance.sharpe(list(returns), daily_rf)),
        sortino=_rounded(performance.sortino(list(returns), daily_rf)),
        calmar=round(cagr / -worst, 4) if worst < 0 else None,
        risk_free_rate=RISK_FREE,
        benchmark_total_return=round(bench, 4) if bench is not None else None,
        rebalances=len(run.rebalances),
        orders=orders,
        orders_per_rebalance=round(orders / len(run.rebalances), 2) if run.rebalances else 0.0,
        mean_fill_ratio=round(float(np.mean([r.fill_ratio for r in run.rebalances])), 4)
        if run.rebalances
        else 1.0,
        charges=round(sum(float(r.charges) for r in run.rebalances), 2),
        turnover=round(traded / float(curve.mean()), 4) if curve.size and curve.mean() else 0.0,
    )


def monthly_returns(run: BacktestRun) -> dict[tuple[int, int], float]:
    """Each calendar month's return of the equity curve, (year, month) to a fraction."""
    ends: dict[tuple[int, int], float] = {}
    for day, value in zip(run.days, run.equity, strict=True):
        ends[(day.year, day.month)] = float(value)
    months = sorted(ends)
    out, before = {}, float(run.equity[0]) if run.equity else 0.0
    for month in months:
        if before:
            out[month] = ends[month] / before - 1
        before = ends[month]
    return out


def rolling_volatility(run: BacktestRun, window: int = 63) -> list[float | None]:
    """Annualised volatility of the last `window` daily returns, per day (None until then)."""
    curve = np.asarray([float(v) for v in run.equity])
    returns = curve[1:] / curve[:-1] - 1 if curve.size > 1 else np.zeros(0)
    out: list[float | None] = [None] * min(len(run.days), window)
    for end in range(window, len(returns) + 1):
        out.append(float(np.std(returns[end - window : end], ddof=1) * np.sqrt(TRADING_DAYS)))
    return out[: len(run.days)]


def drawdown_periods(run: BacktestRun, count: int = 5) -> list[dict[str, object]]:
    """The deepest separate falls from a peak: peak, trough, recovery (or None), depth, days."""
    periods: list[dict[str, object]] = []
    peak_value: float | None = None
    trough_value: float | None = None
    peak_day: date | None = None
    trough_day: date | None = None
    for day, value in zip(run.days, (float(v) for v in run.equity), strict=True):
        if peak_value is None or value >= peak_value:
            if peak_value is not None and trough_value is not None and trough_value < peak_value:
                periods.append(_period(peak_day, trough_day, day, trough_value / peak_value - 1))
            peak_value, peak_day, trough_value, trough_day = value, day, None, None
        elif trough_value is None or value < trough_value:
            trough_value, trough_day = value, day
    if peak_value is not None and trough_value is not None and trough_value < peak_value:
        periods.append(_period(peak_day, trough_day, None, trough_value / peak_value - 1))
    periods.sort(key=lambda p: float(str(p["depth"])))
    return periods[:count]


def _period(
    peak: object, trough: object, recovered: date | None, depth: float
) -> dict[str, object]:
    assert isinstance(peak, date)
    end = recovered or trough
    assert isinstance(end, date)
    return {
        "peak": peak.isoformat(),
        "trough": str(trough),
        "recovered": None if recovered is None else recovered.isoformat(),
        "depth": round(depth, 4),
        "days": (end - peak).days,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _years(start: date, end: date) -> float:
    return (end - start).days / 365.25
