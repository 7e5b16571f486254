"""What adopting a proposal would trade for a smallcase's current subscribers: each one's
holdings against the targets a rebalance batch would size now (at the latest closes, with the
settings' collar and charges reserve), the traded value, turnover and the delivery charges of
those trades (`allocator.delivery_charges`, one contract note per subscriber). Exact Decimals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from allocator import Side
from allocator.charges import Trade, delivery_charges
from allocator.money import from_paise
from bridge_api.batches.targets import Pricing, Request, target_position
from bridge_api.config import get_settings
from bridge_api.db.models import (
    IntentKind,
    LedgerAccount,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
)
from bridge_api.ledger.service import books_of
from bridge_api.market.prices import latest_closes, tick_sizes

ZERO = Decimal("0.00")
PERCENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class SubscriberImpact:
    """One subscription: its value now, what it would buy and sell, turnover and charges."""

    subscription_id: int
    value: Decimal
    bought: Decimal
    sold: Decimal
    turnover_percent: Decimal
    """(bought + sold) / 2 / value, in percent to 0.01 (half even)."""
    charges: Decimal


@dataclass(frozen=True, slots=True)
class Impact:
    """The subscribers' trades if the proposal were adopted, and their totals."""

    day: date
    subscribers: list[SubscriberImpact]

    @property
    def value(self) -> Decimal:
        """The subscribers' value together."""
        return sum((s.value for s in self.subscribers), ZERO)

    @property
    def traded(self) -> Decimal:
        """Everything bought and sold."""
        return sum((s.bought + s.sold for s in self.subscribers), ZERO)

    @property
    def charges(self) -> Decimal:
        """Every subscriber's charges, summed exactly."""
        return sum((s.charges for s in self.subscribers), ZERO)

    @property
    def turnover_percent(self) -> Decimal:
        """One-way turnover of the subscribers' value together, in percent to 0.01."""
        return _percent(self.traded / 2, self.value)


def impact(session: Session, smallcase_id: int, weights: dict[str, Decimal], day: date) -> Impact:
    """Each active subscription of the smallcase against `weights` (percent), charged as of
    `day` (the rate table in force then)."""
    subscriptions = list(
        session.execute(
            select(Subscription.id, LedgerAccount.id)
            .join(LedgerAccount, LedgerAccount.subscription_id == Subscription.id)
            .where(
                Subscription.smallcase_id == smallcase_id,
                Subscription.kind == SubscriptionKind.SMALLCASE,
                Subscription.status == SubscriptionStatus.ACTIVE,
            )
            .order_by(Subscription.id)
        ).all()
    )
    books = books_of(session, [account for _, account in subscriptions])
    symbols = set(weights)
    for book in books.values():
        symbols |= set(book.shares)
    settings = get_settings()
    pricing = Pricing(
        prices=latest_closes(session, symbols),
        ticks=tick_sizes(session, symbols),
        collar=settings.buy_collar,
        reserve=settings.buy_charges_rate,
    )
    fractions = {s: w / 100 for s, w in weights.items()}
    rows = []
    for subscription_id, account in subscriptions:
        book = books[account]
        targets = target_position(
            book.shares, book.cash, [Request(IntentKind.REBALANCE)], fractions, pricing
        )
        trades = [
            Trade(
                symbol=symbol,
                side=Side.BUY if target > held else Side.SELL,
                quantity=abs(target - held),
                price=pricing.prices[symbol],
            )
            for symbol in sorted(set(targets) | set(book.shares))
            if (target := targets.get(symbol, 0)) != (held := book.shares.get(symbol, 0))
        ]
        value = book.cash + sum((pricing.prices[s] * q for s, q in book.shares.items()), ZERO)
        bought = sum((t.price * t.quantity for t in trades if t.side is Side.BUY), ZERO)
        sold = sum((t.price * t.quantity for t in trades if t.side is Side.SELL), ZERO)
        charges = from_paise(delivery_charges(day, trades).total) if trades else ZERO
        rows.append(
            SubscriberImpact(
                subscription_id=subscription_id,
                value=value,
                bought=bought,
                sold=sold,
                turnover_percent=_percent((bought + sold) / 2, value),
                charges=charges,
            )
        )
    return Impact(day=day, subscribers=rows)


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return Decimal("0.00")
    return (part * 100 / whole).quantize(PERCENT, rounding=ROUND_HALF_EVEN)
