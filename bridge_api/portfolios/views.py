"""What an investor sees: holdings, costs, values, P&L, cash and charges, and their journal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bridge_api.db.models import (
    Balance,
    Bucket,
    Cause,
    JournalEntry,
    LedgerAccount,
    LotConsumption,
    Posting,
    Smallcase,
    SmallcaseVersion,
    Subscription,
    TaxLot,
    User,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.ledger.service import investor_account
from bridge_api.market.prices import latest_closes

ZERO = Decimal("0.00")


@dataclass(slots=True)
class Holding:
    """Shares of one symbol in one subscription, valued at the latest close."""

    symbol: str
    quantity: int
    average_cost: Decimal
    cost: Decimal
    price: Decimal
    market_value: Decimal
    unrealised: Decimal


@dataclass(slots=True)
class SubscriptionView:
    """One subscription's book."""

    id: int
    kind: str
    status: str
    smallcase_id: int | None
    smallcase: str | None
    version: int | None
    cash: Decimal
    unsettled_cash: Decimal
    holdings: list[Holding] = field(default_factory=list)
    market_value: Decimal = ZERO
    realised: Decimal = ZERO
    charges_paid: Decimal = ZERO

    @property
    def unrealised(self) -> Decimal:
        """Market value less the cost of the open lots."""
        return sum((h.unrealised for h in self.holdings), ZERO)


@dataclass(slots=True)
class PortfolioView:
    """Free cash and every subscription, with totals."""

    free_cash: Decimal
    free_unsettled_cash: Decimal
    subscriptions: list[SubscriptionView]

    @property
    def market_value(self) -> Decimal:
        """Every subscription's shares at the latest closes."""
        return sum((s.market_value for s in self.subscriptions), ZERO)

    @property
    def cash(self) -> Decimal:
        """Free cash and every subscription's cash, settled or not."""
        books = sum((s.cash + s.unsettled_cash for s in self.subscriptions), ZERO)
        return self.free_cash + self.free_unsettled_cash + books

    @property
    def unrealised(self) -> Decimal:
        """Unrealised P&L over every subscription."""
        return sum((s.unrealised for s in self.subscriptions), ZERO)

    @property
    def realised(self) -> Decimal:
        """Realised P&L over every subscription."""
        return sum((s.realised for s in self.subscriptions), ZERO)

    @property
    def charges_paid(self) -> Decimal:
        """Charges paid over every subscription."""
        return sum((s.charges_paid for s in self.subscriptions), ZERO)

    @property
    def total_value(self) -> Decimal:
        """All cash plus the market value of every subscription."""
        return self.cash + self.market_value


def portfolio(session: Session, user: User) -> PortfolioView:
    """The user's whole portfolio, valued at the latest closes."""
    free = _cash(session, investor_account(session, user.id))
    rows = session.execute(
        select(Subscription, Smallcase.name, SmallcaseVersion.number, LedgerAccount.id)
        .outerjoin(Smallcase, Smallcase.id == Subscription.smallcase_id)
        .outerjoin(SmallcaseVersion, SmallcaseVersion.id == Subscription.version_id)
        .outerjoin(LedgerAccount, LedgerAccount.subscription_id == Subscription.id)
        .where(Subscription.user_id == user.id)
        .order_by(Subscription.id)
    ).all()
    views = []
    for subscription, name, version, account_id in rows:
        settled, unsettled = _cash(session, account_id) if account_id else (ZERO, ZERO)
        view = SubscriptionView(
            id=subscription.id,
            kind=str(subscription.kind),
            status=str(subscription.status),
            smallcase_id=subscription.smallcase_id,
            smallcase=name,
            version=version,
            cash=settled,
            unsettled_cash=unsettled,
        )
        if account_id:
            _fill(session, view, account_id)
        views.append(view)
    return PortfolioView(free_cash=free[0], free_unsettled_cash=free[1], subscriptions=views)


def _cash(session: Session, account_id: int) -> tuple[Decimal, Decimal]:
    rows = dict(
        session.execute(
            select(Balance.bucket, Balance.amount).where(
                Balance.account_id == account_id, Balance.asset == CASH
            )
        ).all()
    )
    return rows.get(Bucket.SETTLED, ZERO), rows.get(Bucket.UNSETTLED, ZERO)


def _fill(session: Session, view: SubscriptionView, account_id: int) -> None:
    quantities: dict[str, int] = defaultdict(int)
    for asset, amount in session.execute(
        select(Balance.asset, Balance.amount).where(
            Balance.account_id == account_id, Balance.asset != CASH
        )
    ).all():
        quantities[asset] += int(amount)
    held = {s: q for s, q in sorted(quantities.items()) if q}
    costs = dict(
        session.execute(
            select(TaxLot.symbol, func.sum(TaxLot.open_cost))
            .where(TaxLot.subscription_id == view.id, TaxLot.open_quantity > 0)
            .group_by(TaxLot.symbol)
        ).all()
    )
    prices = latest_closes(session, held) if held else {}
    for symbol, quantity in held.items():
        cost = costs.get(symbol, ZERO)
        value = prices[symbol] * quantity
        view.holdings.append(
            Holding(
                symbol=symbol,
                quantity=quantity,
                average_cost=(cost / quantity).quantize(Decimal("0.0001")),
                cost=cost,
                price=prices[symbol],
                market_value=value,
                unrealised=value - cost,
            )
        )
    view.market_value = sum((h.market_value for h in view.holdings), ZERO)
    view.realised = session.execute(
        select(func.coalesce(func.sum(LotConsumption.proceeds - LotConsumption.cost), 0))
        .join(TaxLot, TaxLot.id == LotConsumption.lot_id)
        .where(TaxLot.subscription_id == view.id)
    ).scalar_one()
    paid = session.execute(
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            Posting.account_id == account_id,
            Posting.asset == CASH,
            JournalEntry.cause == Cause.CHARGES,
        )
    ).scalar_one()
    view.charges_paid = -Decimal(paid)


@dataclass(frozen=True, slots=True)
class Movement:
    """One of the user's own postings, in its journal entry."""

    entry_id: int
    effective_on: date
    cause: str
    memo: str
    account: str
    asset: str
    bucket: str
    amount: Decimal


def transactions(session: Session, user: User, *, limit: int, before: int | None) -> list[Movement]:
    """The user's own postings (free cash and subscriptions), newest entry first.

    Other parties' legs of the same entry (the counterpart of a crossing, say) are not shown.
    """
    mine = and_(
        LedgerAccount.id == Posting.account_id,
        (LedgerAccount.user_id == user.id)
        | LedgerAccount.subscription_id.in_(
            select(Subscription.id).where(Subscription.user_id == user.id)
        ),
    )
    query = (
        select(JournalEntry, LedgerAccount.name, Posting)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, mine)
        .order_by(JournalEntry.id.desc(), Posting.id)
        .limit(limit)
    )
    if before is not None:
        query = query.where(JournalEntry.id < before)
    return [
        Movement(
            entry_id=entry.id,
            effective_on=entry.effective_on,
            cause=str(entry.cause),
            memo=entry.memo,
            account=name,
            asset=posting.asset,
            bucket=str(posting.bucket),
            amount=posting.amount,
        )
        for entry, name, posting in session.execute(query).all()
    ]


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One subscription to a smallcase, its investor, and what it is worth."""

    investor: str
    user_id: int
    book: SubscriptionView

    @property
    def value(self) -> Decimal:
        """Cash (settled or not) and shares at the latest closes."""
        return self.book.cash + self.book.unsettled_cash + self.book.market_value


def subscribers(session: Session, smallcase_id: int) -> list[Subscriber]:
    """Every subscription to a smallcase (any status), valued at the latest closes."""
    rows = session.execute(
        select(Subscription, User, Smallcase.name, SmallcaseVersion.number, LedgerAccount.id)
        .join(User, User.id == Subscription.user_id)
        .join(Smallcase, Smallcase.id == Subscription.smallcase_id)
        .outerjoin(SmallcaseVersion, SmallcaseVersion.id == Subscription.version_id)
        .outerjoin(LedgerAccount, LedgerAccount.subscription_id == Subscription.id)
        .where(Subscription.smallcase_id == smallcase_id)
        .order_by(Subscription.id)
    ).all()
    found = []
    for subscription, user, name, version, account_id in rows:
        settled, unsettled = _cash(session, account_id) if account_id else (ZERO, ZERO)
        book = SubscriptionView(
            id=subscription.id,
            kind=str(subscription.kind),
            status=str(subscription.status),
            smallcase_id=subscription.smallcase_id,
            smallcase=name,
            version=version,
            cash=settled,
            unsettled_cash=unsettled,
        )
        if account_id:
            _fill(session, book, account_id)
        found.append(Subscriber(investor=user.full_name, user_id=user.id, book=book))
    return found
