"""What a backtest produced, whichever engine ran it (Saras's own, or Lean's result JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Rebalance:
    """One rebalance: what was ordered and what filled."""

    day: date
    orders: int
    ordered_shares: int
    filled_shares: int
    traded_value: Decimal
    charges: Decimal
    value_after: Decimal | None = None
    """The book's value at the day's closes, after the rebalance (None: not known)."""
    idle_cash: Decimal | None = None
    """The subscriptions' cash left uninvested after the rebalance (None: not known)."""

    @property
    def fill_ratio(self) -> float:
        """Filled over ordered shares (1 when nothing was ordered)."""
        return self.filled_shares / self.ordered_shares if self.ordered_shares else 1.0

    @property
    def turnover(self) -> float | None:
        """Traded value over the book's value after the rebalance."""
        return float(self.traded_value / self.value_after) if self.value_after else None

    @property
    def idle_share(self) -> float | None:
        """Idle cash over the book's value after the rebalance."""
        if self.idle_cash is None or not self.value_after:
            return None
        return float(self.idle_cash / self.value_after)


@dataclass
class BacktestRun:
    """A daily equity curve, an optional benchmark curve, and the rebalances."""

    name: str
    source: str
    days: list[date] = field(default_factory=list)
    equity: list[Decimal] = field(default_factory=list)
    benchmark: list[Decimal] | None = None
    benchmark_name: str = ""
    rebalances: list[Rebalance] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    amounts: list[Decimal] = field(default_factory=list)
    """What each simulated subscriber invested (empty for a run Saras did not simulate)."""
    synthetic: bool | None = None
    """Whether the prices were the synthetic sample (None: not known, as for a Lean result)."""
    subscribers: dict[str, object] | None = None
    """The simulated subscribers against the model: the spread of their returns, excess over
    the model and tracking error (worst, median, best), the cash drag and the charges drag."""
    weights: list[dict[str, float]] = field(default_factory=list)
    """Each day's weights of the book at the closes, by symbol and ``cash`` (empty when not
    known, as for a Lean result)."""
