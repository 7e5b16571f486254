"""Request and response bodies of the backtest routes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from bridge_api.http.fields import DecimalString, Rupees

RunStatus = Literal["queued", "running", "completed", "failed"]


class BacktestIn(BaseModel):
    """A backtest of the smallcase's latest weights over a period of the stored bars."""

    start: date
    end: date
    amount: Rupees = Field(
        description="Rupees each simulated subscriber invests (varied by up to 60% across "
        "subscribers, as `saras backtest --amount`)."
    )
    schedule: Literal["monthly", "quarterly", "never"] = "monthly"
    subscribers: StrictInt = Field(default=5, ge=1, le=50)


class SuggestionBacktestIn(BaseModel):
    """A backtest of a suggestion's weights over the months up to its as-of day (clipped to
    the days with bars for every one of its stocks)."""

    model_config = ConfigDict(extra="forbid")

    months: StrictInt = Field(default=6, ge=1, le=24)
    amount: Rupees = Field(
        default=Decimal("100000.00"),
        description="Rupees each simulated subscriber invests (varied as `saras backtest`).",
    )
    schedule: Literal["monthly", "quarterly", "never"] = "monthly"
    subscribers: StrictInt = Field(default=3, ge=1, le=50)


class BacktestRunOut(BaseModel):
    """A run: what was asked, where it stands, and why it failed (if it did)."""

    id: int
    smallcase_id: int
    status: RunStatus
    start: date
    end: date
    amount: Rupees
    schedule: str
    subscribers: int
    weights: dict[str, DecimalString]
    suggestion_id: int | None = Field(
        default=None,
        description="The suggestion whose weights the run tests (null: the "
        "smallcase's latest weights when it was queued).",
    )
    attempts: int
    days_done: int
    days_total: int | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class BacktestsOut(BaseModel):
    """A smallcase's runs, newest first, and the days a new run may span (the first and last
    day with bars for every constituent; null when there is none)."""

    first_day: date | None
    last_day: date | None
    runs: list[BacktestRunOut]


class BacktestFiguresOut(BaseModel):
    """The report's headline figures (fractions: 0.12 is 12%; ratios may be null)."""

    start: date
    end: date
    total_return: float
    cagr: float
    annual_volatility: float
    max_drawdown: float
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    benchmark_total_return: float | None
    rebalances: int
    orders: int
    mean_fill_ratio: float
    turnover: float


class BacktestMoneyOut(BaseModel):
    """The book's value on the first and last day, and the charges paid, exactly."""

    initial: Rupees
    final: Rupees
    charges: Rupees


class BacktestSeriesOut(BaseModel):
    """The book's value and the benchmark's at each day's closes."""

    days: list[date]
    equity: list[DecimalString]
    benchmark: list[DecimalString] | None


class BacktestDetailOut(BacktestRunOut):
    """A run with its results once completed."""

    figures: BacktestFiguresOut | None
    money: BacktestMoneyOut | None
    series: BacktestSeriesOut | None
    benchmark: str | None
    synthetic_data: bool | None
    notes: list[str]
