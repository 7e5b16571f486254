"""Request and response bodies of the batch routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bridge_api.http.fields import Identifier, Rupees


class BatchIn(BaseModel):
    """Batch the pending intents of one smallcase (or of all, for an admin)."""

    model_config = ConfigDict(extra="forbid")

    smallcase_id: Identifier | None = None
    cross: bool = False
    prices: Literal["closes", "kite"] = "closes"
    """Size at the latest closes in the bars, or at Kite's live quotes (needs today's login)."""


class FailIn(BaseModel):
    """Why an executing batch is being ended."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class TargetOut(BaseModel):
    """One row of the allocation table."""

    model_config = ConfigDict(from_attributes=True)

    subscription_id: int
    symbol: str
    holding: int
    target: int
    price: Rupees


class StatementLineOut(BaseModel):
    """Who receives how much of an order (the pre-trade allocation statement)."""

    model_config = ConfigDict(from_attributes=True)

    subscription_id: int
    quantity: int


class SliceOut(BaseModel):
    """A broker order of a consolidated order."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    quantity: int
    send_after_ms: int
    tag: str
    broker_order_id: str | None
    status: str
    message: str | None
    """Why it was rejected (or what its placement met), when it says."""


class FillOut(BaseModel):
    """A broker trade."""

    model_config = ConfigDict(from_attributes=True)

    broker_trade_id: str
    quantity: int
    price: Rupees
    traded_at: datetime


class ResultOut(BaseModel):
    """What the final order gave a subscription."""

    model_config = ConfigDict(from_attributes=True)

    subscription_id: int
    requested: int
    quantity: int
    value: Rupees
    charges: Rupees
    stt: Rupees


class OrderOut(BaseModel):
    """A consolidated order with its statement, slices, fills and results."""

    key: str
    symbol: str
    side: str
    quantity: int
    limit_price: Rupees
    status: str
    final_reason: str | None
    statement: list[StatementLineOut]
    slices: list[SliceOut]
    fills: list[FillOut]
    results: list[ResultOut]


class CrossingOut(BaseModel):
    """An internal transfer at the reference price."""

    model_config = ConfigDict(from_attributes=True)

    subscription_id: int
    symbol: str
    side: str
    quantity: int
    price: Rupees


class SkipOut(BaseModel):
    """A change the plan left out."""

    model_config = ConfigDict(from_attributes=True)

    subscription_id: int
    symbol: str
    side: str
    quantity: int
    reason: str


class BatchOut(BaseModel):
    """A batch: its state, allocation table and, once planned, its plan and results."""

    id: int
    state: str
    smallcase_id: int | None
    cross: bool
    reason: str
    phase: int
    """0 not planned; 1 crossings and sells planned; 2 buys planned too."""
    trade_date: date | None
    created_at: datetime
    planned_at: datetime | None
    updated_at: datetime
    participants: list[int]
    targets: list[TargetOut]
    crossings: list[CrossingOut]
    orders: list[OrderOut]
    skipped: list[SkipOut]


class BatchLineOut(BaseModel):
    """A batch in a list."""

    id: int
    state: str
    smallcase_id: int | None
    smallcase: str | None
    cross: bool
    phase: int
    reason: str
    created_at: datetime
    planned_at: datetime | None
    updated_at: datetime
    finished_at: datetime | None
    """When it ended (its last change, for a batch in an end state)."""
    trade_date: date | None
    participants: int
    orders: int
    final_orders: int
    skips: int
