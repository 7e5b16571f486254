"""Bodies of the analytics routes: money as decimal strings, returns and ratios as numbers."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from bridge_api.http.fields import DecimalString, Rupees

IDENTITY = (
    "value = paid_in - paid_out + realised + unrealised - stt, to the paisa. Realised: sale "
    "proceeds net of charges other than STT, less the FIFO cost (per subscription) of the lots "
    "sold, cost including charges other than STT; unrealised: market value less the open lots' "
    "cost; STT: what was paid of it, the one charge in neither a cost nor proceeds."
)


class IdentityOut(BaseModel):
    """The figures of the identity, and whether they add up."""

    paid_in: Rupees
    paid_out: Rupees
    realised: Rupees
    unrealised: Rupees
    stt: Rupees
    value: Rupees
    holds: bool = Field(description=IDENTITY)


class DrawdownOut(BaseModel):
    """The deepest fall of the time-weighted index, and its dates."""

    depth: float
    peak: date | None
    trough: date | None
    recovered: date | None


class PerformanceOut(BaseModel):
    """Returns (fractions: 0.05 is 5%) and risk, annualised where it says so."""

    time_weighted_return: float
    money_weighted_return: float | None = Field(description="XIRR, annual")
    annual_volatility: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: DrawdownOut
    risk_free_rate: float


class WeightOut(BaseModel):
    """A stock's weight in the subscription on the last day, and its target."""

    actual: DecimalString
    target: DecimalString


class TrackingOut(BaseModel):
    """Against the smallcase's model (daily rebalanced to its weights) and an equal-weight
    basket of the same stocks; the tracking error is what whole shares and minimum amounts
    cost in fidelity."""

    model_return: float
    equal_weight_return: float
    tracking_error: float | None
    weights: dict[str, WeightOut]


class SeriesOut(BaseModel):
    """The daily value series (IST dates) and the external flows."""

    days: list[date]
    values: list[Rupees]
    flows: list[Rupees]


class AnalyticsOut(BaseModel):
    """One book's figures."""

    subscription_id: int | None = None
    as_of: date
    identity: IdentityOut
    performance: PerformanceOut | None
    tracking: TrackingOut | None = None
    contributions: dict[str, Rupees]
    charges: dict[str, Rupees]
    series: SeriesOut | None
    figure: dict[str, Any] | None = Field(
        default=None, description="A Plotly figure (JSON) of the value and what was paid in."
    )


class InvestorAnalyticsOut(AnalyticsOut):
    """The investor's whole book, and each subscription."""

    subscriptions: list[AnalyticsOut]


class GainLineOut(BaseModel):
    """One lot consumed by a sale (quantity 0: an adjustment to a sale's proceeds)."""

    subscription_id: int
    symbol: str
    bought_on: date
    sold_on: date
    quantity: int
    cost: Rupees
    proceeds: Rupees
    gain: Rupees
    term: str = Field(description="long: held more than 12 months (s.2(42A)); else short")
    section: str = Field(description="111A (short), 112A (long), or no STT (normal rules)")


class GainTotalOut(BaseModel):
    """The year's gains of one section under the rule in force from `rule_from`."""

    section: str
    rate: DecimalString | None
    rule_from: date
    gain: Rupees


class CapitalGainsOut(BaseModel):
    """Capital gains of a financial year (April to March), FIFO per subscription."""

    financial_year: str
    long_term_exemption: Rupees
    lines: list[GainLineOut]
    totals: list[GainTotalOut]


class DividendLineOut(BaseModel):
    """One dividend received in one subscription: its exact share of the account's dividend."""

    action_id: int
    subscription_id: int
    smallcase: str | None
    symbol: str
    held: int = Field(description="Shares the subscription held on the record date")
    per_share: DecimalString
    ex_date: date
    record_date: date
    paid_on: date = Field(description="The day the broker credited it (the payment date)")
    gross: Rupees
    tds: Rupees = Field(description="Tax deducted at source (s.194)")
    net: Rupees


class DividendTotalsOut(BaseModel):
    """The year's gross, TDS and net (gross less TDS)."""

    gross: Rupees
    tds: Rupees
    net: Rupees


class TdsOut(BaseModel):
    """Dividends paid in a financial year (April to March) and the TDS deducted from them."""

    financial_year: str
    lines: list[DividendLineOut]
    totals: DividendTotalsOut


class PositionOut(BaseModel):
    """A book's cash (both buckets) and shares at one end of the month, and their value at
    the last closes on or before it."""

    cash: Rupees
    shares: dict[str, int]
    value: Rupees


class StatementLineOut(BaseModel):
    """One posting to one of the investor's books."""

    day: date
    entry_id: int
    cause: str
    memo: str
    book: str
    asset: str
    amount: DecimalString


class StatementOut(BaseModel):
    """A month: each book's opening and closing position (closing = opening + the month's
    lines, exactly), every line, the charges paid and the gains realised (FIFO per
    subscription)."""

    first: date
    last: date
    opening: dict[str, PositionOut]
    closing: dict[str, PositionOut]
    lines: list[StatementLineOut]
    charges: Rupees
    realised: Rupees


class SpreadOut(BaseModel):
    """Worst (or lowest), median and best (or highest)."""

    low: float
    median: float
    high: float


class SmallcaseSpreadOut(BaseModel):
    """How a smallcase's active subscriptions did against its model (its manager's view)."""

    smallcase_id: int
    as_of: date
    subscriptions: int
    value: Rupees
    returns: SpreadOut | None = Field(description="time-weighted returns")
    excess: SpreadOut | None = Field(description="return less the model's over the same days")
    tracking_errors: SpreadOut | None
