"""Bodies of the corporate-actions admin routes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bridge_api.db.models import ActionKind, ActionStatus
from bridge_api.http.fields import DecimalString, Rupees


class LegIn(BaseModel):
    """`new` shares of `symbol` for every `old` held, carrying `cost_percent` of the cost."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=32)
    new: int = Field(ge=1, le=1_000_000)
    old: int = Field(ge=1, le=1_000_000)
    cost_percent: DecimalString


class CorporateActionIn(BaseModel):
    """An announced action: a dividend with `per_share`, any other kind with its `legs`."""

    model_config = ConfigDict(extra="forbid")

    kind: ActionKind
    symbol: str = Field(min_length=1, max_length=32)
    ex_date: date
    record_date: date
    per_share: DecimalString | None = None
    legs: list[LegIn] = Field(default_factory=list, max_length=10)
    purpose: str = Field(default="", max_length=300)


class PostIn(BaseModel):
    """Posting an action once the broker shows it."""

    model_config = ConfigDict(extra="forbid")

    posted_on: date
    credited: Rupees | None = None
    """Cash the account received: a dividend net of TDS; the company's cash for fractions."""
    tds: Rupees = Decimal("0.00")
    fraction_price: DecimalString | None = None


class CancelIn(BaseModel):
    """Why an announced action is withdrawn."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


class ImportIn(BaseModel):
    """NSE's corporate-actions CSV, as text."""

    model_config = ConfigDict(extra="forbid")

    csv: str = Field(min_length=1, max_length=5_000_000)


class EntitlementOut(BaseModel):
    """What one book held before the ex date and received."""

    account_id: int
    subscription_id: int | None
    symbol: str
    held: int
    shares: int
    gross: Rupees
    tds: Rupees
    cash: Rupees


class CorporateActionOut(BaseModel):
    """An action, and once posted what each book received."""

    id: int
    kind: ActionKind
    symbol: str
    ex_date: date
    record_date: date
    per_share: DecimalString | None
    legs: list[dict[str, Any]]
    purpose: str
    status: ActionStatus
    source: str
    posted_on: date | None
    entry_id: int | None
    credited: Rupees | None
    tds: Rupees | None
    fraction_price: DecimalString | None
    residue: Rupees | None
    """Cash the house received (negative: paid) so the books equal the broker's credit."""
    entitlements: list[EntitlementOut] = Field(default_factory=list)


class LeftOut(BaseModel):
    """A line of the file not imported, and why."""

    line: int
    symbol: str
    purpose: str
    reason: str


class ImportOut(BaseModel):
    """What an import did."""

    added: list[CorporateActionOut]
    known: int
    left: list[LeftOut]
