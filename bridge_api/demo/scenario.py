"""The end-to-end demo scenario: seeded investors invest, a manager rebalances, the engine
trades two sessions through the paper venue, and every book reconciles with the venue (the
same reconciliation the operator runs against Kite).

Day 1 (`FIRST_DAY`, Wednesday 18 November): Asha and Vikram invest in Nifty Leaders, Vikram
and Meera in IT Bellwethers; the manager batches each smallcase and the engine trades them.
Day 2 (`SECOND_DAY`, Friday 20 November, two sessions later, so the shares bought on day 1 are
no longer T1 and selling them credits cash at once): the engine settles what is due, the
manager publishes a new version of Nifty Leaders (ITC out, SBIN and LT in); Asha and Vikram
accept it; Meera exits IT Bellwethers; Vikram buys 20 RELIANCE directly; the engine trades.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.analytics import report as analytics
from bridge_api.batches import service as batches
from bridge_api.calendar import ist_today
from bridge_api.config import get_settings
from bridge_api.db.models import (
    Batch,
    BatchOrder,
    Smallcase,
    Subscription,
    User,
)
from bridge_api.demo.markets import DemoMarket, PaperMarket
from bridge_api.demo.seed import load_market, seed_demo
from bridge_api.execution.engine import Engine, EngineConfig, Progress
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.ledger.reconciliation import Report, reconcile
from bridge_api.portfolios import intents, views
from bridge_api.smallcases import service as smallcases

LEADERS_V2 = {
    "RELIANCE": "20",
    "HDFCBANK": "20",
    "INFY": "15",
    "TCS": "15",
    "ICICIBANK": "10",
    "SBIN": "10",
    "LT": "10",
}
FIRST_DAY = date(2026, 11, 18)
SECOND_DAY = date(2026, 11, 20)


@dataclass(frozen=True, slots=True)
class _Weight:
    symbol: str
    weight: Decimal


@dataclass(frozen=True, slots=True)
class BatchLine:
    """How one batch ended."""

    id: int
    day: date
    smallcase: str
    state: str
    reason: str
    orders: int


@dataclass(frozen=True, slots=True)
class InvestorLine:
    """An investor's position at the end, in the figures of the analytics identity:
    total = paid in - paid out + realised + unrealised - STT."""

    email: str
    paid_in: Decimal
    paid_out: Decimal
    free_cash: Decimal
    realised: Decimal
    unrealised: Decimal
    stt: Decimal
    other_charges: Decimal
    """Charges other than STT: already inside lot costs and sale proceeds."""
    total: Decimal
    """Everything the investor owns at the last closes (free cash, cash in books, shares)."""


@dataclass
class DemoResult:
    """What the demo did and where everyone ended."""

    batches: list[BatchLine] = field(default_factory=list)
    investors: list[InvestorLine] = field(default_factory=list)
    reconciliation: Report | None = None


def run_demo(
    sessions: sessionmaker[Session],
    *,
    progress: Progress | None = None,
    rate_limits: RateLimits | None = None,
    market: DemoMarket | None = None,
) -> DemoResult:
    """Run the whole scenario on an empty, migrated database (see the module doc), through
    the paper venue unless another `market` is given."""
    say = progress or (lambda event, info: None)
    market = market or PaperMarket(sessions)
    settings = get_settings()
    with sessions() as session, session.begin():
        instruments, bars = load_market(session, settings.market_data_dir)
        made = seed_demo(session, paid_on=FIRST_DAY)  # money arrives before it is invested
        say("seeded", {"instruments": instruments, "bars": bars, "made": len(made)})
    result = DemoResult()
    with sessions() as session, session.begin():
        _invest(session, "asha@saras.demo", "Nifty Leaders", "150000.00")
        _invest(session, "vikram@saras.demo", "Nifty Leaders", "600000.00")
        _invest(session, "vikram@saras.demo", "IT Bellwethers", "200000.00")
        _invest(session, "meera@saras.demo", "IT Bellwethers", "60000.00")
        say("invested", {"intents": 4})
    result.batches += _trade_day(
        sessions, market, FIRST_DAY, ["Nifty Leaders", "IT Bellwethers"], say, rate_limits
    )
    with sessions() as session, session.begin():
        manager = _user(session, "manager@saras.demo")
        leaders = _smallcase(session, "Nifty Leaders")
        smallcases.new_version(
            session,
            manager,
            leaders.id,
            constituents=[_Weight(s, Decimal(w)) for s, w in LEADERS_V2.items()],
            note="ITC out; SBIN and LT in",
            description=None,
        )
        for email in ("asha@saras.demo", "vikram@saras.demo"):
            investor = _user(session, email)
            intents.decide_rebalance(
                session,
                investor,
                subscription_id=_subscription(session, investor, leaders).id,
                accept=True,
            )
        meera = _user(session, "meera@saras.demo")
        it = _smallcase(session, "IT Bellwethers")
        intents.exit_subscription(
            session, meera, subscription_id=_subscription(session, meera, it).id
        )
        intents.buy(
            session,
            _user(session, "vikram@saras.demo"),
            symbol="RELIANCE",
            quantity=20,
            on=SECOND_DAY,
        )
        say("rebalanced", {"version": 2})
    result.batches += _trade_day(
        sessions, market, SECOND_DAY, ["Nifty Leaders", "IT Bellwethers", None], say, rate_limits
    )
    with sessions() as session, session.begin():
        result.investors = [
            _investor_line(session, email)
            for email in ("asha@saras.demo", "vikram@saras.demo", "meera@saras.demo")
        ]
        result.reconciliation, _ = reconcile(session, market.broker(SECOND_DAY))
    return result


def _trade_day(  # noqa: PLR0917  (the scenario's steps read as one call per day)
    sessions: sessionmaker[Session],
    market: DemoMarket,
    day: date,
    names: list[str | None],
    say: Progress,
    rate_limits: RateLimits | None,
) -> list[BatchLine]:
    ids = []
    with sessions() as session, session.begin():
        manager = _user(session, "manager@saras.demo")
        admin = _user(session, "admin@saras.demo")
        for name in names:
            author = admin if name is None else manager
            smallcase_id = None if name is None else _smallcase(session, name).id
            batch = batches.create(session, author, smallcase_id=smallcase_id, prices_before=day)
            batches.approve(session, author, batch.id)
            ids.append(batch.id)
            say("batch", {"batch": batch.id, "smallcase": name or "direct trades", "day": day})
    broker, clock = market.open_day(day)
    engine = Engine(
        sessions,
        broker,
        clock,
        limiter=OrderRateLimiter(sessions, limits=rate_limits),
        config=EngineConfig(trade_date=day),
        progress=say,
    )
    engine.run()
    lines = []
    with sessions() as session:
        for batch_id in ids:
            done = session.get(Batch, batch_id)
            assert done is not None
            smallcase = session.get(Smallcase, done.smallcase_id) if done.smallcase_id else None
            name = smallcase.name if smallcase else "direct trades"
            orders = session.execute(
                select(func.count()).select_from(BatchOrder).where(BatchOrder.batch_id == batch_id)
            ).scalar_one()
            lines.append(BatchLine(batch_id, day, name, str(done.state), done.reason, orders))
    return lines


def _invest(session: Session, email: str, smallcase: str, amount: str) -> None:
    intents.invest(
        session,
        _user(session, email),
        smallcase_id=_smallcase(session, smallcase).id,
        amount=Decimal(amount),
        on=FIRST_DAY,
    )


def _investor_line(session: Session, email: str) -> InvestorLine:
    user = _user(session, email)
    view = views.portfolio(session, user)
    whole, _ = analytics.for_investor(session, user, until=ist_today())
    figures = whole.identity
    return InvestorLine(
        email=email,
        paid_in=figures.paid_in,
        paid_out=figures.paid_out,
        free_cash=view.free_cash + view.free_unsettled_cash,
        realised=figures.realised,
        unrealised=figures.unrealised,
        stt=figures.stt,
        other_charges=whole.charges.get("other", Decimal(0)),
        total=figures.value,
    )


def _user(session: Session, email: str) -> User:
    return session.execute(select(User).where(User.email == email)).scalar_one()


def _smallcase(session: Session, name: str) -> Smallcase:
    return session.execute(select(Smallcase).where(Smallcase.name == name)).scalar_one()


def _subscription(session: Session, user: User, smallcase: Smallcase) -> Subscription:
    return session.execute(
        select(Subscription).where(
            Subscription.user_id == user.id, Subscription.smallcase_id == smallcase.id
        )
    ).scalar_one()
