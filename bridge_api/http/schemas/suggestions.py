"""Bodies of the suggestion routes (a smallcase's manager)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from bridge_api.db.models import SuggestionStatus
from bridge_api.http.fields import DecimalString


class SuggestionIn(BaseModel):
    """What to propose: how many constituents (the current version's count by default). A
    backtest is queued apart (`POST .../suggestions/{id}/backtest`)."""

    model_config = ConfigDict(extra="forbid")

    size: int | None = Field(default=None, ge=1, le=50)


class SuggestionAcceptIn(BaseModel):
    """The new version's note (the suggestion's own by default)."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500)


class SuggestionLineOut(BaseModel):
    """One symbol: added, kept or removed, its weights (percent) and why."""

    symbol: str
    action: str
    weight: DecimalString | None
    old_weight: DecimalString | None
    place: int | None
    score: float | None
    reasons: list[str]


class SubscriberImpactOut(BaseModel):
    """One subscription's trades if the suggestion were adopted now."""

    subscription_id: int
    value: DecimalString
    bought: DecimalString
    sold: DecimalString
    turnover_percent: DecimalString
    charges: DecimalString


class ImpactOut(BaseModel):
    """The current subscribers' trades, turnover and charges if adopted now."""

    day: date
    subscribers: int
    value: DecimalString
    traded: DecimalString
    turnover_percent: DecimalString
    charges: DecimalString
    per_subscriber: list[SubscriberImpactOut]


class BacktestOut(BaseModel):
    """The proposal's backtest through the engine, when `saras suggest propose --backtest`
    ran it in-process (the app queues a run instead), or why not."""

    start: str | None = None
    end: str | None = None
    total_return: float | None = None
    cagr: float | None = None
    annual_volatility: float | None = None
    max_drawdown: float | None = None
    sharpe: float | None = None
    benchmark_total_return: float | None = None
    rebalances: int | None = None
    orders: int | None = None
    charges: float | None = None
    turnover: float | None = None
    synthetic_data: bool | None = None
    schedule: str | None = None
    in_sample: str | None = None
    unavailable: str | None = None


class SuggestionOut(BaseModel):
    """A suggestion as shown when it was made, and whether it was accepted."""

    id: int
    smallcase_id: int
    status: SuggestionStatus
    created_at: datetime
    accepted_version_id: int | None
    as_of: date
    based_on_version: int
    universe: int
    size: int
    model: str
    synthetic_data: bool
    caveat: str
    notes: list[str]
    lines: list[SuggestionLineOut]
    impact: ImpactOut
    backtest: BacktestOut | None
