"""What an investor sees: holdings, costs, values, P&L, cash and charges, and their journal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from bridge_api.db.models import (
    Balance,
    Bucket,
    Cause,
    JournalEntry,
    LedgerAccount,
    LedgerKind,
    LotConsumption,
    Posting,
    Smallcase,
    SmallcaseVersion,
    Subscription,
    TaxLot,
    User,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Invalid
from bridge_api.market.prices import latest_closes
from bridge_api.portfolios.figures import portfolio_figures

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
    """The user's whole portfolio, valued at the latest closes, from one statement however
    many subscriptions there are (`figures`); every symbol held must have a close."""
    read = portfolio_figures(session, user.id)
    shares = {
        account: {s: q for s, q in sorted(held.items()) if q}
        for account, held in read.quantities.items()
    }
    symbols = {symbol for held in shares.values() for symbol in held}
    missing = sorted(symbols - read.prices.keys())
    if missing:
        raise Invalid(f"no price for {', '.join(missing)}")
    views = []
    for book in read.books:
        settled, unsettled = _settled_unsettled(read.cash.get(book.account_id or 0, {}))
        view = SubscriptionView(
            id=book.id,
            kind=book.kind,
            status=book.status,
            smallcase_id=book.smallcase_id,
            smallcase=book.smallcase,
            version=book.version,
            cash=settled,
            unsettled_cash=unsettled,
        )
        if book.account_id:
            held = shares.get(book.account_id, {})
            _fill(view, held, read.costs.get(book.id, {}), read.prices)
            view.realised = read.realised.get(book.id, ZERO)
            view.charges_paid = -read.charges.get(book.account_id, ZERO)
        views.append(view)
    free, free_unsettled = _settled_unsettled(read.free)
    return PortfolioView(free_cash=free, free_unsettled_cash=free_unsettled, subscriptions=views)


_Cash = tuple[Decimal, Decimal]


def _balances(
    session: Session, user: User | None, accounts: list[int]
) -> tuple[_Cash, dict[int, _Cash], dict[int, dict[str, int]]]:
    """Free cash (settled, unsettled), each book's cash, and each book's shares (every bucket
    summed), from one read of the balances of the user's free-cash account (none without a
    user) and `accounts`."""
    wanted: ColumnElement[bool] = Balance.account_id.in_(accounts)
    if user is not None:
        free_account = (
            select(LedgerAccount.id)
            .where(LedgerAccount.user_id == user.id, LedgerAccount.kind == LedgerKind.INVESTOR)
            .scalar_subquery()
        )
        wanted = (Balance.account_id == free_account) | wanted
    rows = session.execute(
        select(Balance.account_id, Balance.asset, Balance.bucket, Balance.amount).where(wanted)
    ).all()
    books = set(accounts)
    cash: dict[int, dict[Bucket, Decimal]] = defaultdict(dict)
    free: dict[Bucket, Decimal] = {}
    quantities: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for account_id, asset, bucket, amount in rows:
        if asset != CASH:
            quantities[account_id][asset] += int(amount)
        elif account_id in books:
            cash[account_id][bucket] = amount
        else:
            free[bucket] = amount
    shares = {
        account: {s: q for s, q in sorted(held.items()) if q}
        for account, held in quantities.items()
    }
    return (
        _settled_unsettled(free),
        {account: _settled_unsettled(buckets) for account, buckets in cash.items()},
        shares,
    )


def _settled_unsettled(buckets: Mapping[Bucket, Decimal] | Mapping[str, Decimal]) -> _Cash:
    return buckets.get(Bucket.SETTLED, ZERO), buckets.get(Bucket.UNSETTLED, ZERO)


def _lot_figures(
    session: Session, subscriptions: list[int], accounts: list[int]
) -> tuple[dict[int, dict[str, Decimal]], dict[int, Decimal], dict[int, Decimal]]:
    """Per subscription: the cost of its open lots by symbol and its realised gain; per
    account: the charges it paid (a negative sum of cash postings)."""
    if not subscriptions:
        return {}, {}, {}
    costs: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for subscription_id, symbol, cost in session.execute(
        select(TaxLot.subscription_id, TaxLot.symbol, func.sum(TaxLot.open_cost))
        .where(TaxLot.subscription_id.in_(subscriptions), TaxLot.open_quantity > 0)
        .group_by(TaxLot.subscription_id, TaxLot.symbol)
    ).all():
        costs[subscription_id][symbol] = cost
    realised: dict[int, Decimal] = dict(
        session.execute(
            select(TaxLot.subscription_id, func.sum(LotConsumption.proceeds - LotConsumption.cost))
            .join(TaxLot, TaxLot.id == LotConsumption.lot_id)
            .where(TaxLot.subscription_id.in_(subscriptions))
            .group_by(TaxLot.subscription_id)
        ).all()
    )
    charges: dict[int, Decimal] = dict(
        session.execute(
            select(Posting.account_id, func.sum(Posting.amount))
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(
                Posting.account_id.in_(accounts),
                Posting.asset == CASH,
                JournalEntry.cause == Cause.CHARGES,
            )
            .group_by(Posting.account_id)
        ).all()
    )
    return costs, realised, charges


def _fill(
    view: SubscriptionView,
    held: dict[str, int],
    costs: dict[str, Decimal],
    prices: dict[str, Decimal],
) -> None:
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


def transactions(
    session: Session,
    user: User,
    *,
    limit: int,
    before: int | None,
    causes: Sequence[Cause] = (),
    since: date | None = None,
    until: date | None = None,
) -> list[Movement]:
    """The user's own postings (free cash and subscriptions), newest entry first; only of
    `causes` when given, effective between `since` and `until` (inclusive) when given.

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
        select(
            JournalEntry.id,
            JournalEntry.effective_on,
            JournalEntry.cause,
            JournalEntry.memo,
            LedgerAccount.name,
            Posting.asset,
            Posting.bucket,
            Posting.amount,
        )  # columns, not entities: no ORM object per row
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, mine)
        .order_by(JournalEntry.id.desc(), Posting.id)
        .limit(limit)
    )
    if before is not None:
        query = query.where(JournalEntry.id < before)
    if causes:
        query = query.where(JournalEntry.cause.in_(list(causes)))
    if since is not None:
        query = query.where(JournalEntry.effective_on >= since)
    if until is not None:
        query = query.where(JournalEntry.effective_on <= until)
    return [
        Movement(
            entry_id=entry_id,
            effective_on=effective_on,
            cause=str(cause),
            memo=memo,
            account=name,
            asset=asset,
            bucket=str(bucket),
            amount=amount,
        )
        for entry_id, effective_on, cause, memo, name, asset, bucket, amount in session.execute(
            query
        ).all()
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
    books = {subscription.id: account for subscription, _, _, _, account in rows if account}
    _, cash, shares = _balances(session, None, list(books.values()))
    costs, _, _ = _lot_figures(session, list(books), list(books.values()))
    symbols = {symbol for held in shares.values() for symbol in held}
    prices = latest_closes(session, symbols) if symbols else {}
    found = []
    for subscription, user, name, version, account_id in rows:
        settled, unsettled = cash.get(account_id, (ZERO, ZERO))
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
            _fill(book, shares.get(account_id, {}), costs.get(subscription.id, {}), prices)
        found.append(Subscriber(investor=user.full_name, user_id=user.id, book=book))
    return found


@dataclass(frozen=True, slots=True)
class Sale:
    """Shares of a lot sold (FIFO), with the cost they carried and what they fetched."""

    sold_on: date
    quantity: int
    cost: Decimal
    proceeds: Decimal
    stt_paid: bool


@dataclass(frozen=True, slots=True)
class Lot:
    """A tax lot of one subscription: bought, what of it is still open, and its sales."""

    id: int
    symbol: str
    acquired_on: date
    quantity: int
    cost: Decimal
    open_quantity: int
    open_cost: Decimal
    stt_paid: bool
    sales: list[Sale]


def lots(session: Session, subscription_id: int) -> list[Lot]:
    """A subscription's tax lots, FIFO order per symbol, each with its sales."""
    rows = list(
        session.execute(
            select(TaxLot)
            .where(TaxLot.subscription_id == subscription_id)
            .order_by(TaxLot.symbol, TaxLot.acquired_on, TaxLot.id)
        ).scalars()
    )
    sales: dict[int, list[Sale]] = defaultdict(list)
    for sale in session.execute(
        select(LotConsumption)
        .where(LotConsumption.lot_id.in_([lot.id for lot in rows]))
        .order_by(LotConsumption.id)
    ).scalars():
        sales[sale.lot_id].append(
            Sale(sale.sold_on, sale.quantity, sale.cost, sale.proceeds, sale.stt_paid)
        )
    return [
        Lot(
            id=lot.id,
            symbol=lot.symbol,
            acquired_on=lot.acquired_on,
            quantity=lot.quantity,
            cost=lot.cost,
            open_quantity=lot.open_quantity,
            open_cost=lot.open_cost,
            stt_paid=lot.stt_paid,
            sales=sales[lot.id],
        )
        for lot in rows
    ]
