"""Bodies of the drift-band and SIP routes."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from bridge_api.db.models import SipFrequency, SipStatus
from bridge_api.http.fields import DecimalString, Identifier, Rupees


class DriftBandIn(BaseModel):
    """A smallcase's drift band in percentage points, and the cooldown between proposals."""

    model_config = ConfigDict(extra="forbid")

    band_points: DecimalString
    cooldown_days: int = Field(ge=0, le=3650)


class DriftOut(BaseModel):
    """One subscription's largest gap from its targets."""

    subscription_id: int
    points: DecimalString
    symbol: str


class DriftReportOut(BaseModel):
    """How many of a smallcase's subscriptions have drifted beyond its band."""

    band_points: DecimalString | None
    cooldown_days: int | None
    subscriptions: int
    drifted: int
    open_proposals: int
    worst: list[DriftOut]


class DriftProposalOut(BaseModel):
    """A rebalance proposed to the investor because the subscription drifted beyond its band;
    accepted or declined through ``POST /subscriptions/{id}/rebalance``."""

    id: int
    subscription_id: int
    day: date
    drift_points: DecimalString
    symbol: str = Field(description="The symbol furthest from its target weight")
    band_points: DecimalString | None


class SipIn(BaseModel):
    """A weekly SIP (day 0 Monday to 4 Friday) or a monthly one (day 1 to 28)."""

    model_config = ConfigDict(extra="forbid")

    subscription_id: Identifier
    amount: Rupees
    frequency: SipFrequency
    day: int = Field(ge=0, le=28)


class SipRunOut(BaseModel):
    """One due date: the top-up it made, or why it skipped."""

    due_on: date
    run_on: date
    intent_id: int | None
    skipped: str | None


class SipOut(BaseModel):
    """A SIP and its runs, newest first."""

    id: int
    subscription_id: int
    amount: Rupees
    frequency: SipFrequency
    day: int
    next_on: date
    status: SipStatus
    runs: list[SipRunOut] = Field(default_factory=list)
