"""Return and risk statistics of an equity curve (statistics, not money: floats are fine here,
and every figure is reported rounded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

import numpy as np

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
    bench = None
    if run.benchmark:
        bench = float(run.benchmark[-1]) / float(run.benchmark[0]) - 1
    return Summary(
        start=run.days[0].isoformat() if run.days else "",
        end=run.days[-1].isoformat() if run.days else "",
        initial=round(float(curve[0]), 2) if curve.size else 0.0,
        final=round(float(curve[-1]), 2) if curve.size else 0.0,
        total_return=round(float(total), 4),
        cagr=round(float((1 + total) ** (1 / years) - 1), 4) if years > 0 and total > -1 else 0.0,
        annual_volatility=round(float(returns.std(ddof=1) * np.sqrt(TRADING_DAYS)), 4)
        if returns.size > 1
        else 0.0,
        max_drawdown=round(float(drawdown(run.equity).min()), 4) if curve.size else 0.0,
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


def _years(start: date, end: date) -> float:
    return (end - start).days / 365.25
