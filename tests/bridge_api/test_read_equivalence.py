"""Reads rewritten for speed equal what they replaced, on the books the demo's engine builds
(crossings, trades, charges, sales, T+1): the portfolio in one statement (`figures`) and the
seven-query computation; the smallcase listing and one `composition` and
`minimum_investment` per smallcase."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.db.models import LedgerAccount, Smallcase, SmallcaseVersion, Subscription, User
from bridge_api.demo.scenario import run_demo
from bridge_api.execution.ratelimit import RateLimits
from bridge_api.market.prices import latest_closes
from bridge_api.portfolios import views
from bridge_api.portfolios.views import ZERO, PortfolioView, SubscriptionView
from bridge_api.smallcases import service as smallcases

FAST = RateLimits(per_second=1000, per_minute=100_000)


def _reference(session: Session, user: User) -> PortfolioView:
    """The portfolio as `views.portfolio` computed it before: one query per figure."""
    rows = session.execute(
        select(Subscription, Smallcase.name, SmallcaseVersion.number, LedgerAccount.id)
        .outerjoin(Smallcase, Smallcase.id == Subscription.smallcase_id)
        .outerjoin(SmallcaseVersion, SmallcaseVersion.id == Subscription.version_id)
        .outerjoin(LedgerAccount, LedgerAccount.subscription_id == Subscription.id)
        .where(Subscription.user_id == user.id)
        .order_by(Subscription.id)
    ).all()
    books = {subscription.id: account for subscription, _, _, account in rows if account}
    free, cash, shares = views._balances(session, user, list(books.values()))
    costs, realised, charges = views._lot_figures(session, list(books), list(books.values()))
    symbols = {symbol for held in shares.values() for symbol in held}
    prices = latest_closes(session, symbols) if symbols else {}
    found = []
    for subscription, name, version, account_id in rows:
        settled, unsettled = cash.get(account_id, (ZERO, ZERO))
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
            views._fill(view, shares.get(account_id, {}), costs.get(subscription.id, {}), prices)
            view.realised = realised.get(subscription.id, ZERO)
            view.charges_paid = -charges.get(account_id, ZERO)
        found.append(view)
    return PortfolioView(free_cash=free[0], free_unsettled_cash=free[1], subscriptions=found)


def _exact(view: PortfolioView) -> object:
    """Every figure with its exponent (``Decimal("1.0") == Decimal("1.00")`` is not enough:
    the API sends them as strings)."""

    def keep(value: object) -> object:
        return (str(value), type(value).__name__) if isinstance(value, Decimal | int) else value

    return (
        keep(view.free_cash),
        keep(view.free_unsettled_cash),
        [
            (
                {name: keep(getattr(book, name)) for name in SubscriptionView.__slots__},
                [{k: keep(getattr(h, k)) for k in h.__slots__} for h in book.holdings],
            )
            for book in view.subscriptions
        ],
        [keep(getattr(view, name)) for name in ("cash", "market_value", "realised", "unrealised")],
    )


def test_the_batched_reads_equal_the_per_item_reads_they_replaced(
    committed: sessionmaker[Session],
) -> None:
    run_demo(committed, rate_limits=FAST)
    with committed() as session:
        users = list(session.execute(select(User).order_by(User.id)).scalars())
        expected = {user.id: _reference(session, user) for user in users}
        for user in users:
            assert _exact(views.portfolio(session, user)) == _exact(expected[user.id]), user.email
        listed = smallcases.listing(session)
        one_by_one = [
            (smallcase.id, latest.version.id, latest.weights, minimum)
            for smallcase in smallcases.published(session)
            for latest in [smallcases.composition(session, smallcase.id)]
            for minimum in [smallcases.minimum_investment(session, latest.fractions())]
        ]
    assert [
        (item.smallcase.id, item.latest.version.id, item.latest.weights, item.minimum_investment)
        for item in listed
    ] == one_by_one
    assert len(listed) >= 2
    assert all(item.minimum_investment for item in listed)
    books = [book for view in expected.values() for book in view.subscriptions]
    # the demo's books are not trivial: holdings, sales, charges, and users without a book
    assert any(book.holdings for book in books)
    assert any(book.realised for book in books)
    assert any(book.charges_paid for book in books)
    assert any(not view.subscriptions for view in expected.values())
