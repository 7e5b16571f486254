"""A backtest through the real system: a smallcase, N subscribers, a rebalance schedule, and
every rebalance sized, planned, sent, filled by the paper venue and allocated by the same code
that trades live batches, on its own database.

Day by day over the bars: T+1 settlement first; on the first day every subscriber invests; on
each scheduled rebalance day the manager publishes a new version (the same target weights, so
the book is brought back to them) and every subscriber accepts it; the engine trades the batch
through the paper venue. After each day, the subscribers' books are valued at that day's closes.
The benchmark is equal-weight buy-and-hold of the same symbols, bought on the first day with the
same money, without costs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.analytics import report as analytics
from bridge_api.backtest.run import BacktestRun, Rebalance
from bridge_api.batches import service as batches
from bridge_api.brokers.paper import PaperVenue
from bridge_api.config import get_settings
from bridge_api.db.models import (
    Balance,
    Bar,
    BatchOrder,
    BrokerTrade,
    Intent,
    IntentStatus,
    KycStatus,
    LedgerAccount,
    LedgerKind,
    OrderAllocation,
    Role,
    SmallcaseStatus,
    Subscription,
    User,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.execution.clocks import PaperClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.market.loader import holds_synthetic_sample, load_bars, load_instruments
from bridge_api.portfolios import intents
from bridge_api.portfolios.cash import payin
from bridge_api.smallcases import service as smallcases
from bridge_api.users.pans import synthetic_pan
from bridge_api.users.security import hash_password
from bridge_api.users.service import add_user

Progress = Callable[[str, dict[str, object]], None]
SCHEDULES = ("monthly", "quarterly", "never")


@dataclass(frozen=True, slots=True)
class Weight:
    """A constituent and its weight in percent."""

    symbol: str
    weight: Decimal


@dataclass(frozen=True, slots=True)
class BacktestSpec:
    """What to backtest."""

    name: str
    weights: dict[str, Decimal]
    start: date
    end: date
    subscribers: int = 20
    amount: Decimal = Decimal("100000.00")
    schedule: str = "monthly"
    rate_limits: RateLimits = field(
        default_factory=lambda: RateLimits(per_second=1000, per_minute=100_000)
    )


def run_backtest(
    sessions: sessionmaker[Session], spec: BacktestSpec, *, progress: Progress | None = None
) -> BacktestRun:
    """Run `spec` on an empty, migrated database (see the module doc). `progress` hears
    ``("rebalanced", {day, batch})`` after each batch and ``("session", {day, done, total})``
    after each simulated session."""
    if spec.schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, was {spec.schedule!r}")
    say = progress or (lambda event, info: None)
    settings = get_settings()
    with sessions() as session, session.begin():
        load_instruments(session, settings.market_data_dir)
        load_bars(session, settings.market_data_dir)
        days = _trading_days(session, spec)
        manager, smallcase_id, investors = _setup(session, spec, days[0] if days else spec.start)
    if len(days) < 2:
        raise ValueError(f"fewer than two trading days between {spec.start} and {spec.end}")
    run = BacktestRun(
        name=spec.name,
        source="saras",
        benchmark_name="equal-weight buy-and-hold",
        amounts=[amount for _, amount in investors],
        synthetic=holds_synthetic_sample(get_settings().market_data_dir),
    )
    previous = None
    for index, day in enumerate(days):
        period = _period(day, spec.schedule)
        rebalance_day = index > 0 and period is not None and period != previous
        previous = period
        with sessions() as session, session.begin():
            if index == 0:
                for investor_id, amount in investors:
                    investor = _user(session, investor_id)
                    intents.invest(
                        session, investor, smallcase_id=smallcase_id, amount=amount, on=day
                    )
            elif rebalance_day:
                _accept_new_version(session, manager, smallcase_id, spec)
            batch_id = (
                _approved_batch(session, manager, smallcase_id, day)
                if index == 0 or rebalance_day or _waiting(session, smallcase_id)
                else None
            )
        if batch_id is not None:
            _trade(sessions, day, spec)
        with sessions() as session:
            book = _book(session, day)
            if batch_id is not None:
                run.rebalances.append(_rebalance_stats(session, batch_id, day, book))
                say("rebalanced", {"day": day, "batch": batch_id})
        run.days.append(day)
        run.equity.append(book.value)
        run.weights.append(book.weights())
        say("session", {"day": day, "done": index + 1, "total": len(days)})
    with sessions() as session:
        run.benchmark = _benchmark(session, spec, days, run.equity[0])
        run.subscribers = _subscribers(session, manager, smallcase_id, days[-1])
    low, high = min(run.amounts), max(run.amounts)
    run.notes.append(
        f"{spec.subscribers} subscribers investing {low} to {high} (in all "
        f"{sum(run.amounts, Decimal(0))}); rebalanced {spec.schedule}."
    )
    return run


def _subscribers(
    session: Session, manager_id: int, smallcase_id: int, last: date
) -> dict[str, object]:
    spread = analytics.for_smallcase(session, _user(session, manager_id), smallcase_id, until=last)

    def three(values: tuple[float, float, float] | None) -> dict[str, float] | None:
        if values is None:
            return None
        low, median, high = values
        return {"worst": round(low, 4), "median": round(median, 4), "best": round(high, 4)}

    return {
        "subscribers": spread.subscriptions,
        "return": three(spread.returns),
        "excess_over_model": three(spread.excess),
        "tracking_error": three(spread.tracking_errors),
        "idle_cash_share": None if spread.idle_cash is None else round(spread.idle_cash, 4),
        "charges_share": None if spread.charges_share is None else round(spread.charges_share, 4),
    }


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    assert user is not None
    return user


def _approved_batch(session: Session, manager_id: int, smallcase_id: int, day: date) -> int:
    manager = _user(session, manager_id)
    batch = batches.create(session, manager, smallcase_id=smallcase_id, prices_before=day)
    batches.approve(session, manager, batch.id)
    return batch.id


def _trading_days(session: Session, spec: BacktestSpec) -> list[date]:
    symbols = sorted(spec.weights)
    rows = session.execute(
        select(Bar.day)
        .where(Bar.symbol.in_(symbols), Bar.day >= spec.start, Bar.day <= spec.end)
        .group_by(Bar.day)
        .having(func.count() == len(symbols))
        .order_by(Bar.day)
    ).scalars()
    return list(rows)


def _setup(
    session: Session, spec: BacktestSpec, first_day: date
) -> tuple[int, int, list[tuple[int, Decimal]]]:
    """The admin, manager, smallcase and subscribers, paid in on `first_day`."""
    secret = hash_password("backtest-only")
    admin = add_user(
        session,
        email="admin@backtest.local",
        full_name="Backtest admin",
        role=Role.ADMIN,
        password_hash=secret,
    )
    manager = add_user(
        session,
        email="manager@backtest.local",
        full_name="Backtest manager",
        role=Role.MANAGER,
        password_hash=secret,
    )
    weights = [Weight(s, w) for s, w in sorted(spec.weights.items())]
    smallcase = smallcases.create(
        session,
        manager,
        name=spec.name,
        description="backtest",
        constituents=weights,
        note="backtest",
    )
    smallcases.set_status(session, manager, smallcase.id, SmallcaseStatus.PUBLISHED)
    investors = []
    for n in range(spec.subscribers):
        user = add_user(
            session,
            email=f"investor{n}@backtest.local",
            full_name=f"Investor {n}",
            role=Role.INVESTOR,
            password_hash=secret,
            kyc=KycStatus.VERIFIED,
            pan=synthetic_pan(n),
        )
        amount = (spec.amount * (1 + Decimal(n % 7) / 10)).quantize(Decimal("0.01"))
        payin(session, admin, user_id=user.id, amount=amount, reference="backtest", on=first_day)
        investors.append((user.id, amount))
    return manager.id, smallcase.id, investors


def _period(day: date, schedule: str) -> tuple[int, int] | None:
    if schedule == "monthly":
        return (day.year, day.month)
    if schedule == "quarterly":
        return (day.year, (day.month - 1) // 3)
    return None


def _accept_new_version(
    session: Session, manager_id: int, smallcase_id: int, spec: BacktestSpec
) -> None:
    manager = _user(session, manager_id)
    weights = [Weight(s, w) for s, w in sorted(spec.weights.items())]
    smallcases.new_version(
        session,
        manager,
        smallcase_id,
        constituents=weights,
        note="scheduled rebalance",
        description=None,
    )
    waiting = _waiting(session, smallcase_id)
    subscriptions = (
        session.execute(select(Subscription).where(Subscription.smallcase_id == smallcase_id))
        .scalars()
        .all()
    )
    for subscription in subscriptions:
        if subscription.id in waiting:
            continue  # its rebalance, deferred from an earlier day, follows the newest version
        owner = _user(session, subscription.user_id)
        intents.decide_rebalance(session, owner, subscription_id=subscription.id, accept=True)


def _waiting(session: Session, smallcase_id: int) -> set[int]:
    """Subscriptions with an intent still pending: a side deferred because the other side of
    its scrip traded that day (docs/ledger.md, "Same-day opposite orders") waits for the next
    session's batch."""
    return set(
        session.execute(
            select(Intent.subscription_id)
            .join(Subscription, Subscription.id == Intent.subscription_id)
            .where(
                Subscription.smallcase_id == smallcase_id,
                Intent.status == IntentStatus.PENDING,
            )
        ).scalars()
    )


def _trade(sessions: sessionmaker[Session], day: date, spec: BacktestSpec) -> None:
    venue = PaperVenue(sessions, session_day=day)
    engine = Engine(
        sessions,
        venue,
        PaperClock(venue),
        limiter=OrderRateLimiter(
            sessions, name=f"backtest-{day.isoformat()}", limits=spec.rate_limits
        ),
        config=EngineConfig(trade_date=day),
    )
    engine.run()


def _rebalance_stats(session: Session, batch_id: int, day: date, book: _Book) -> Rebalance:
    orders = (
        session.execute(select(BatchOrder).where(BatchOrder.batch_id == batch_id)).scalars().all()
    )
    ids = [o.id for o in orders]
    filled = session.execute(
        select(func.coalesce(func.sum(BrokerTrade.quantity), 0)).where(
            BrokerTrade.order_id.in_(ids)
        )
    ).scalar_one()
    traded = session.execute(
        select(func.coalesce(func.sum(BrokerTrade.quantity * BrokerTrade.price), 0)).where(
            BrokerTrade.order_id.in_(ids)
        )
    ).scalar_one()
    charges = session.execute(
        select(func.coalesce(func.sum(OrderAllocation.charges), 0)).where(
            OrderAllocation.order_id.in_(ids)
        )
    ).scalar_one()
    return Rebalance(
        day=day,
        orders=len(orders),
        ordered_shares=sum(o.quantity for o in orders),
        filled_shares=int(filled),
        traded_value=Decimal(traded),
        charges=Decimal(charges),
        value_after=book.value,
        idle_cash=book.cash,
    )


@dataclass(frozen=True, slots=True)
class _Book:
    """Every subscription's cash and shares valued at one day's closes."""

    cash: Decimal
    positions: dict[str, Decimal]

    @property
    def value(self) -> Decimal:
        return self.cash + sum(self.positions.values(), Decimal(0))

    def weights(self) -> dict[str, float]:
        value = self.value
        if not value:
            return {}
        shares = {s: round(float(v / value), 6) for s, v in sorted(self.positions.items())}
        return {**shares, "cash": round(float(self.cash / value), 6)}


def _book(session: Session, day: date) -> _Book:
    rows = session.execute(
        select(Balance.asset, func.sum(Balance.amount))
        .join(LedgerAccount, LedgerAccount.id == Balance.account_id)
        .where(LedgerAccount.kind == LedgerKind.SUBSCRIPTION)
        .group_by(Balance.asset)
    ).all()
    closes = dict(session.execute(select(Bar.symbol, Bar.close).where(Bar.day == day)).all())
    cash = sum((amount for asset, amount in rows if asset == CASH), Decimal(0))
    positions = {
        asset: amount * closes[asset] for asset, amount in rows if asset != CASH and amount
    }
    return _Book(cash=cash, positions=positions)


def _benchmark(
    session: Session, spec: BacktestSpec, days: list[date], initial: Decimal
) -> list[Decimal]:
    symbols = sorted(spec.weights)
    closes: dict[date, dict[str, Decimal]] = {}
    for symbol, day, close in session.execute(
        select(Bar.symbol, Bar.day, Bar.close).where(Bar.symbol.in_(symbols), Bar.day.in_(days))
    ).all():
        closes.setdefault(day, {})[symbol] = close
    first = closes[days[0]]
    shares = {s: initial / len(symbols) / first[s] for s in symbols}
    return [
        sum((shares[s] * closes[d][s] for s in symbols), Decimal(0)).quantize(Decimal("0.01"))
        for d in days
    ]
