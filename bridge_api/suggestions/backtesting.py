"""A proposal's backtest through the path `saras backtest` runs (`bridge_api.backtest`):
simulated subscribers invest in the proposed weights and are rebalanced by the engine and the
paper venue, on a throwaway database of its own that is dropped afterwards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bridge_api.backtest.isolated import backtest_on
from bridge_api.backtest.metrics import summarise
from bridge_api.backtest.scenario import BacktestSpec


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    """The window, subscribers and schedule of a proposal's backtest."""

    end: date
    months: int = 6
    subscribers: int = 3
    amount: Decimal = Decimal("100000.00")
    schedule: str = "monthly"

    @property
    def start(self) -> date:
        """About `months` months before `end`."""
        return self.end - timedelta(days=round(self.months * 30.44))


def backtest(name: str, weights: dict[str, Decimal], request: BacktestRequest) -> dict[str, object]:
    """The backtest's summary (`bridge_api.backtest.metrics.Summary`), with whether the data
    was the synthetic sample and the subscribers against the model."""
    run = backtest_on(
        f"saras_suggest_{uuid.uuid4().hex[:10]}",
        BacktestSpec(
            name=name,
            weights=weights,
            start=request.start,
            end=request.end,
            subscribers=request.subscribers,
            amount=request.amount,
            schedule=request.schedule,
        ),
    )
    return {
        **summarise(run).as_dict(),
        "synthetic_data": run.synthetic,
        "subscribers": run.subscribers,
        "benchmark": run.benchmark_name,
        "schedule": request.schedule,
        "notes": run.notes,
    }

