"""Request and response bodies of the smallcase routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bridge_api.db.models import SmallcaseStatus
from bridge_api.http.fields import DecimalString, Rupees


class ConstituentIn(BaseModel):
    """A symbol and its weight in percent (a decimal string, up to four decimals)."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=32)
    weight: DecimalString


class SmallcaseIn(BaseModel):
    """A new smallcase and its first version."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    constituents: list[ConstituentIn]
    note: str = Field(default="", max_length=500)


class VersionIn(BaseModel):
    """A new version of an existing smallcase (a change is never an edit in place)."""

    model_config = ConfigDict(extra="forbid")

    constituents: list[ConstituentIn]
    note: str = Field(default="", max_length=500)
    description: str | None = Field(default=None, max_length=2000)


class ConstituentOut(BaseModel):
    """A constituent as stored."""

    symbol: str
    weight: DecimalString


class VersionOut(BaseModel):
    """One version of a smallcase."""

    number: int
    note: str
    created_at: datetime
    constituents: list[ConstituentOut]


class StatsOut(BaseModel):
    """Annualised statistics from the daily bars (statistics, not money)."""

    expected_annual_return: DecimalString
    annual_volatility: DecimalString
    days: int


class SmallcaseOut(BaseModel):
    """A smallcase: its latest composition, history, minimum investment and statistics."""

    id: int
    name: str
    description: str
    status: SmallcaseStatus
    manager_id: int
    version: int
    constituents: list[ConstituentOut]
    versions: list[VersionOut]
    minimum_investment: Rupees | None
    stats: StatsOut | None
    validation: str


class SmallcaseSummary(BaseModel):
    """A line of the published list."""

    id: int
    name: str
    description: str
    version: int
    constituents: int
    minimum_investment: Rupees | None


class ManagedSmallcaseOut(SmallcaseSummary):
    """A line of a manager's own list: any status."""

    status: SmallcaseStatus
    manager_id: int
    created_at: datetime


class SmallcaseHistoryOut(BaseModel):
    """What ₹100 became in the latest version's weights and in equal weights, per day."""

    smallcase_id: int
    version: int
    basis: str
    period: Literal["1y", "3y", "all"]
    periods: list[Literal["1y", "3y", "all"]]
    days: list[date]
    model: list[Rupees]
    equal_weight: list[Rupees]


class SubscriberOut(BaseModel):
    """A subscription to the smallcase: its investor and what it is worth now."""

    subscription_id: int
    user_id: int
    investor: str
    status: str
    version: int | None
    cash: Rupees
    market_value: Rupees
    value: Rupees
    """Cash (settled or not) and shares at the latest closes: its assets under management."""
    unrealised: Rupees
    holdings: int


class SubscribersOut(BaseModel):
    """Every subscription to a smallcase, and their total value."""

    smallcase_id: int
    subscribers: list[SubscriberOut]
    active: int
    assets_under_management: Rupees
