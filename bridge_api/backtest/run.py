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

    @property
    def fill_ratio(self) -> float:
        """Filled over ordered shares (1 when nothing was ordered)."""
        return self.filled_shares / self.ordered_shares if self.ordered_shares else 1.0


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
