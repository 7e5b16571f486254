"""Request and response bodies of the investing and portfolio routes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from bridge_api.http.fields import DecimalString, Identifier, Quantity, Rupees

REALISED = (
    "Realised capital gain, FIFO per subscription (each subscription's lots as if in a demat "
    "account of its own; not the pooled account's FIFO under s.45(2A), which is the "
    "operator's): sale proceeds net of charges other than STT, less the cost of the lots sold "
    "(charges other than STT included). See docs/ledger.md, Tax lots."
)


class CashIn(BaseModel):
    """A pay-in or pay-out an admin records for an investor."""

    model_config = ConfigDict(extra="forbid")

    user_id: Identifier
    amount: Rupees
    reference: str = Field(min_length=1, max_length=100)


class CorrectionIn(BaseModel):
    """Why an entry is being corrected."""

    model_config = ConfigDict(extra="forbid")

    memo: str = Field(min_length=1, max_length=500)


class CorrectionOut(BaseModel):
    """The correcting entry, and the entry it corrects."""

    entry_id: int
    corrects: int


class EntryOut(BaseModel):
    """A journal entry that was written."""

    entry_id: int
    amount: Rupees


class InvestIn(BaseModel):
    """Invest an amount in a published smallcase."""

    model_config = ConfigDict(extra="forbid")

    smallcase_id: Identifier
    amount: Rupees


class AmountIn(BaseModel):
    """An amount of rupees."""

    model_config = ConfigDict(extra="forbid")

    amount: Rupees


class RebalanceIn(BaseModel):
    """Accept or skip the newest version of the smallcase."""

    model_config = ConfigDict(extra="forbid")

    accept: bool


class TradeIn(BaseModel):
    """A single-stock buy or sell in the direct subscription."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=32)
    quantity: Quantity


class IntentOut(BaseModel):
    """A request waiting for (or taken by) a batch."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: int
    kind: str
    status: str
    amount: Rupees | None
    symbol: str | None
    quantity: int | None
    batch_id: int | None
    created_at: datetime


class HoldingOut(BaseModel):
    """Shares of one symbol, valued at the latest close."""

    model_config = ConfigDict(from_attributes=True)

    symbol: str
    quantity: int
    average_cost: DecimalString
    cost: Rupees
    price: Rupees
    market_value: Rupees
    unrealised: Rupees


class SubscriptionOut(BaseModel):
    """One subscription's book."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    smallcase_id: int | None
    smallcase: str | None
    version: int | None
    cash: Rupees
    unsettled_cash: Rupees
    market_value: Rupees
    unrealised: Rupees
    realised: Rupees = Field(description=REALISED)
    charges_paid: Rupees
    holdings: list[HoldingOut]


class PortfolioOut(BaseModel):
    """Free cash, every subscription, and totals over all of them."""

    model_config = ConfigDict(from_attributes=True)

    free_cash: Rupees
    free_unsettled_cash: Rupees
    cash: Rupees
    market_value: Rupees
    unrealised: Rupees
    realised: Rupees = Field(description=REALISED)
    charges_paid: Rupees
    total_value: Rupees
    subscriptions: list[SubscriptionOut]


class MovementOut(BaseModel):
    """One posting to one of the user's own books."""

    model_config = ConfigDict(from_attributes=True)

    entry_id: int
    effective_on: date
    cause: str
    memo: str
    account: str
    asset: str
    bucket: str
    amount: DecimalString


class StatusOut(BaseModel):
    """Service health and a one-line summary."""

    status: str
    database: str
    summary: str


class RebalanceLineOut(BaseModel):
    """One symbol of a rebalance update: weights in percent before and after (null where
    the version does not hold it), shares held now, shares after, and what that trades."""

    model_config = ConfigDict(from_attributes=True)

    symbol: str
    old_weight: DecimalString | None
    new_weight: DecimalString | None
    holding: int
    target: int
    price: Rupees
    buy: int
    sell: int


class RebalancePreviewOut(BaseModel):
    """What accepting the newest version would buy and sell, sized now at the latest closes
    (the batch sizes at its own prices, so its numbers may differ a little)."""

    subscription_id: int
    smallcase_id: int
    current_version: int
    latest_version: int
    up_to_date: bool
    pending: bool
    """A rebalance of this subscription already waits for (or is in) a batch."""
    cash: Rupees
    lines: list[RebalanceLineOut]


class SaleOut(BaseModel):
    """Shares of a lot sold (FIFO): the cost they carried and the proceeds."""

    model_config = ConfigDict(from_attributes=True)

    sold_on: date
    quantity: int
    cost: Rupees
    proceeds: Rupees
    stt_paid: bool


class LotOut(BaseModel):
    """A tax lot: bought on a day at a full cost; what of it is open; its sales."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    symbol: str
    acquired_on: date
    quantity: int
    cost: Rupees
    open_quantity: int
    open_cost: Rupees
    stt_paid: bool
    sales: list[SaleOut]
