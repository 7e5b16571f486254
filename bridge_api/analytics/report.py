"""How an investor's money has done: per subscription and for their whole book.

**The identity every figure obeys** (to the paisa, tested over ledgers the engine builds):

    value = paid in - paid out + realised + unrealised - STT

where, for a subscription, "paid in - paid out" is what was earmarked into it less what was
released from it; realised gain is sale proceeds net of charges other than STT less the cost
of the lots sold (FIFO per subscription, cost including charges other than STT); unrealised
gain is market value less the open lots' cost; STT is what the subscription paid of it (net of
refunds): it is the one charge in neither a cost nor proceeds. For an investor's whole book
"paid in - paid out" is pay-ins less pay-outs, and the gains and STT are summed over their
subscriptions (their free cash is money paid in and not yet invested).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge_api.analytics import performance
from bridge_api.analytics.performance import Drawdown
from bridge_api.analytics.series import (
    INVESTOR_FLOWS,
    SUBSCRIPTION_FLOWS,
    ValueSeries,
    closes_on,
    value_series,
)
from bridge_api.db.models import (
    Cause,
    JournalEntry,
    LedgerAccount,
    LotConsumption,
    OrderAllocation,
    Posting,
    Subscription,
    SubscriptionStatus,
    TaxLot,
    User,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import NotFound
from bridge_api.ledger.service import CHARGES_PREFIX, investor_account, subscription_account
from bridge_api.smallcases import service as smallcases

ZERO = Decimal("0.00")
RISK_FREE = 0.065
"""The annual risk-free rate for Sharpe and Sortino: about the 91-day Treasury bill's yield."""


@dataclass(frozen=True, slots=True)
class Identity:
    """The figures of the identity (see the module doc) and whether they add up."""

    paid_in: Decimal
    paid_out: Decimal
    realised: Decimal
    unrealised: Decimal
    stt: Decimal
    value: Decimal

    @property
    def holds(self) -> bool:
        """Whether value = paid in - paid out + realised + unrealised - STT, to the paisa."""
        return self.value == (
            self.paid_in - self.paid_out + self.realised + self.unrealised - self.stt
        )


@dataclass(frozen=True, slots=True)
class Performance:
    """Returns and risk of a value series."""

    time_weighted: float
    money_weighted: float | None
    volatility: float | None
    sharpe: float | None
    sortino: float | None
    drawdown: Drawdown
    risk_free: float


@dataclass(frozen=True, slots=True)
class Tracking:
    """A subscription against its smallcase's model (daily rebalanced to its weights) and an
    equal-weight basket of the same stocks, over the same days."""

    model_return: float
    equal_weight_return: float
    tracking_error: float | None
    weights: dict[str, tuple[Decimal, Decimal]]
    """Per symbol: the actual weight on the last day, and the target weight."""


@dataclass(slots=True)
class Analytics:
    """One book's figures."""

    identity: Identity
    series: ValueSeries | None
    performance: Performance | None
    tracking: Tracking | None = None
    contributions: dict[str, Decimal] = field(default_factory=dict)
    """Per symbol: realised plus unrealised gain."""
    charges: dict[str, Decimal] = field(default_factory=dict)
    """STT, and every other charge."""


def for_subscription(
    session: Session, user: User, subscription_id: int, *, until: date, risk_free: float = RISK_FREE
) -> Analytics:
    """A subscription's figures (only the owner's: another's is indistinguishable from none)."""
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or subscription.user_id != user.id:
        raise NotFound(f"no subscription {subscription_id}")
    return _analyse(session, subscription, until=until, risk_free=risk_free)


@dataclass(frozen=True, slots=True)
class SmallcaseSpread:
    """How a smallcase's subscriptions did against its model, for its manager: how many,
    their value, and the best, median and worst time-weighted return and tracking error."""

    subscriptions: int
    value: Decimal
    returns: tuple[float, float, float] | None
    """Worst, median and best time-weighted return."""
    excess: tuple[float, float, float] | None
    """Worst, median and best return less the model's over the same days."""
    tracking_errors: tuple[float, float, float] | None
    """Lowest, median and highest tracking error against the model."""
    idle_cash: float | None = None
    """The average share of the subscriptions' value held as cash (the cash drag)."""
    charges_share: float | None = None
    """Charges paid (STT included) as a share of what was paid in (the charges drag)."""


def for_smallcase(
    session: Session, manager: User, smallcase_id: int, *, until: date
) -> SmallcaseSpread:
    """The spread of a smallcase's active subscriptions (its manager or an admin only)."""
    smallcases.owned(session, manager, smallcase_id)
    members = session.execute(
        select(Subscription)
        .where(
            Subscription.smallcase_id == smallcase_id,
            Subscription.status == SubscriptionStatus.ACTIVE,
        )
        .order_by(Subscription.id)
    ).scalars()
    parts = [_analyse(session, s, until=until, risk_free=RISK_FREE) for s in members]
    returns = sorted(p.performance.time_weighted for p in parts if p.performance)
    errors = sorted(
        p.tracking.tracking_error
        for p in parts
        if p.tracking is not None and p.tracking.tracking_error is not None
    )
    excess = sorted(
        p.performance.time_weighted - p.tracking.model_return
        for p in parts
        if p.performance is not None and p.tracking is not None
    )
    shares = [
        float(cash / value)
        for p in parts
        if p.series is not None
        for cash, value in zip(p.series.cash, p.series.values, strict=True)
        if value > 0
    ]
    paid = sum((p.identity.paid_in for p in parts), ZERO)
    charged = sum((p.charges.get("stt", ZERO) + p.charges.get("other", ZERO) for p in parts), ZERO)
    return SmallcaseSpread(
        subscriptions=len(parts),
        value=sum((p.identity.value for p in parts), ZERO),
        returns=_spread(returns),
        excess=_spread(excess),
        tracking_errors=_spread(errors),
        idle_cash=float(np.mean(shares)) if shares else None,
        charges_share=float(charged / paid) if paid > 0 else None,
    )


def _spread(values: list[float]) -> tuple[float, float, float] | None:
    if not values:
        return None
    return values[0], float(np.median(values)), values[-1]


def _analyse(
    session: Session, subscription: Subscription, *, until: date, risk_free: float
) -> Analytics:
    account = subscription_account(session, subscription.id)
    series = value_series(session, [account], flow_causes=SUBSCRIPTION_FLOWS, until=until)
    identity, contributions, charges = _subscription_identity(session, subscription.id, series)
    result = Analytics(
        identity=identity,
        series=series,
        performance=_performance(series, risk_free),
        contributions=contributions,
        charges=charges,
    )
    if series is not None and subscription.smallcase_id is not None:
        result.tracking = _tracking(session, subscription, series)
    return result


def for_investor(
    session: Session, user: User, *, until: date, risk_free: float = RISK_FREE
) -> tuple[Analytics, list[tuple[int, Analytics]]]:
    """The investor's whole book, and each of their subscriptions."""
    ids = list(
        session.execute(
            select(Subscription.id).where(Subscription.user_id == user.id).order_by(Subscription.id)
        ).scalars()
    )
    parts = [
        (sid, for_subscription(session, user, sid, until=until, risk_free=risk_free)) for sid in ids
    ]
    accounts = [
        investor_account(session, user.id),
        *(subscription_account(session, s) for s in ids),
    ]
    series = value_series(session, accounts, flow_causes=INVESTOR_FLOWS, until=until)
    flows = series.flows if series else []
    identity = Identity(
        paid_in=sum((f for f in flows if f > 0), ZERO),
        paid_out=-sum((f for f in flows if f < 0), ZERO),
        realised=sum((p.identity.realised for _, p in parts), ZERO),
        unrealised=sum((p.identity.unrealised for _, p in parts), ZERO),
        stt=sum((p.identity.stt for _, p in parts), ZERO),
        value=series.values[-1] if series else ZERO,
    )
    contributions: dict[str, Decimal] = {}
    charges: dict[str, Decimal] = {}
    for _, part in parts:
        for symbol, gain in part.contributions.items():
            contributions[symbol] = contributions.get(symbol, ZERO) + gain
        for name, amount in part.charges.items():
            charges[name] = charges.get(name, ZERO) + amount
    whole = Analytics(
        identity=identity,
        series=series,
        performance=_performance(series, risk_free),
        contributions=dict(sorted(contributions.items())),
        charges=charges,
    )
    return whole, parts


def _performance(series: ValueSeries | None, risk_free: float) -> Performance | None:
    if series is None:
        return None
    days, returns = performance.daily_returns(series.days, series.values, series.flows)
    daily_rf = performance.daily_rate(risk_free)
    return Performance(
        time_weighted=performance.time_weighted(returns),
        money_weighted=performance.money_weighted(series.days, series.flows, series.values[-1]),
        volatility=performance.volatility(returns),
        sharpe=performance.sharpe(returns, daily_rf),
        sortino=performance.sortino(returns, daily_rf),
        drawdown=performance.max_drawdown(days, returns, start=series.days[0]),
        risk_free=risk_free,
    )


def _subscription_identity(
    session: Session, subscription_id: int, series: ValueSeries | None
) -> tuple[Identity, dict[str, Decimal], dict[str, Decimal]]:
    flows = series.flows if series else []
    realised_by_symbol = dict(
        session.execute(
            select(TaxLot.symbol, func.sum(LotConsumption.proceeds - LotConsumption.cost))
            .join(TaxLot, TaxLot.id == LotConsumption.lot_id)
            .where(TaxLot.subscription_id == subscription_id)
            .group_by(TaxLot.symbol)
        ).all()
    )
    open_cost = dict(
        session.execute(
            select(TaxLot.symbol, func.sum(TaxLot.open_cost))
            .where(TaxLot.subscription_id == subscription_id, TaxLot.open_quantity > 0)
            .group_by(TaxLot.symbol)
        ).all()
    )
    unrealised_by_symbol: dict[str, Decimal] = {}
    if series is not None:
        for symbol, quantity in series.holdings.items():
            worth = series.closes[symbol][-1] * quantity
            unrealised_by_symbol[symbol] = worth - open_cost.get(symbol, ZERO)
    stt = _stt_paid(session, subscription_id)
    charges_paid = -Decimal(
        session.execute(
            select(func.coalesce(func.sum(Posting.amount), 0))
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(
                Posting.account_id == subscription_account(session, subscription_id),
                Posting.asset == CASH,
                JournalEntry.cause == Cause.CHARGES,
            )
        ).scalar_one()
    )
    identity = Identity(
        paid_in=sum((f for f in flows if f > 0), ZERO),
        paid_out=-sum((f for f in flows if f < 0), ZERO),
        realised=sum(realised_by_symbol.values(), ZERO),
        unrealised=sum(unrealised_by_symbol.values(), ZERO),
        stt=stt,
        value=series.values[-1] if series else ZERO,
    )
    symbols = sorted(set(realised_by_symbol) | set(unrealised_by_symbol))
    contributions = {
        s: realised_by_symbol.get(s, ZERO) + unrealised_by_symbol.get(s, ZERO) for s in symbols
    }
    return identity, contributions, {"stt": stt, "other": charges_paid - stt}


def _stt_paid(session: Session, subscription_id: int) -> Decimal:
    """What the subscription paid of STT at allocation, less what netting refunded it."""
    charged = session.execute(
        select(func.coalesce(func.sum(OrderAllocation.stt), 0)).where(
            OrderAllocation.subscription_id == subscription_id
        )
    ).scalar_one()
    stt_account = select(LedgerAccount.id).where(LedgerAccount.name == f"{CHARGES_PREFIX}stt")
    refunds = (
        select(Posting.entry_id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            JournalEntry.cause == Cause.CHARGES,
            Posting.account_id.in_(stt_account.scalar_subquery()),
            Posting.amount < 0,
        )
    )
    refunded = session.execute(
        select(func.coalesce(func.sum(Posting.amount), 0)).where(
            Posting.entry_id.in_(refunds),
            Posting.account_id == subscription_account(session, subscription_id),
            Posting.asset == CASH,
        )
    ).scalar_one()
    return Decimal(charged) - Decimal(refunded)


def _tracking(session: Session, subscription: Subscription, series: ValueSeries) -> Tracking:
    assert subscription.smallcase_id is not None
    targets = smallcases.composition(
        session, subscription.smallcase_id, subscription.version_id
    ).fractions()
    symbols = sorted(targets)
    missing = [s for s in symbols if s not in series.closes]
    closes = series.closes | closes_on(session, missing, series.days)
    days, returns = performance.daily_returns(series.days, series.values, series.flows)
    positions = {d: i for i, d in enumerate(series.days)}
    model, equal = [], []
    for day in days:
        i = positions[day]
        moves = {
            s: float(closes[s][i] / closes[s][i - 1]) - 1.0 for s in symbols if closes[s][i - 1] > 0
        }
        model.append(sum(float(targets[s]) * moves.get(s, 0.0) for s in symbols))
        equal.append(sum(moves.values()) / len(symbols) if symbols else 0.0)
    value = series.values[-1]
    weights = {}
    for s in sorted(set(symbols) | set(series.holdings)):
        held = series.closes[s][-1] * series.holdings.get(s, 0) if s in series.closes else ZERO
        actual = (held / value).quantize(Decimal("0.0001")) if value > 0 else ZERO
        weights[s] = (actual, Decimal(targets.get(s, 0)).quantize(Decimal("0.0001")))
    return Tracking(
        model_return=performance.time_weighted(model),
        equal_weight_return=performance.time_weighted(equal),
        tracking_error=performance.tracking_error(returns, model),
        weights=weights,
    )
