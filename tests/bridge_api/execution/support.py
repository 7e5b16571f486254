"""Shared by the engine tests: a ready batch of demo investors, an engine on the fake Kite,
and the exactly-once checks."""

import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.batches import service as batches
from bridge_api.brokers.kite.account import kite_broker
from bridge_api.brokers.paper import PaperVenue
from bridge_api.db.models import (
    Batch,
    BrokerTrade,
    Intent,
    OrderSlice,
    PaperOrder,
    PaperTrade,
    Smallcase,
    Subscription,
    User,
)
from bridge_api.demo.scenario import FIRST_DAY, LEADERS_V2
from bridge_api.demo.seed import seed_demo
from bridge_api.execution.clocks import ImmediateClock, PaperClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.execution.runner import reconcile_batch
from bridge_api.ledger.reconciliation import compare
from bridge_api.portfolios import intents
from bridge_api.smallcases import service as smallcases
from tests.logged import spawn


def ready_batch(sessions: sessionmaker[Session], amounts: dict[str, str], day: date) -> int:
    """Demo users invest in Nifty Leaders; one approved batch of it, priced before `day`."""
    with sessions() as session, session.begin():
        seed_demo(session)
        leaders = session.execute(
            select(Smallcase).where(Smallcase.name == "Nifty Leaders")
        ).scalar_one()
        for email, amount in amounts.items():
            user = session.execute(select(User).where(User.email == email)).scalar_one()
            intents.invest(session, user, smallcase_id=leaders.id, amount=Decimal(amount))
        manager = session.execute(
            select(User).where(User.email == "manager@saras.demo")
        ).scalar_one()
        batch = batches.create(session, manager, smallcase_id=leaders.id, prices_before=day)
        batches.approve(session, manager, batch.id)
        return batch.id


def paper_day(
    sessions: sessionmaker[Session],
    day: date,
    *,
    participation: Decimal = Decimal("0.10"),
    **config: object,
) -> list[int]:
    """Trade every ready batch through the paper venue on `day`; returns the batches traded
    (`config`: more `EngineConfig` fields)."""
    venue = PaperVenue(sessions, session_day=day, participation=participation)
    return Engine(
        sessions,
        venue,
        PaperClock(venue),
        limiter=OrderRateLimiter(sessions, limits=RateLimits(per_second=1000, per_minute=10**5)),
        config=EngineConfig(trade_date=day, **config),
    ).run()


def assert_exactly_once(sessions: sessionmaker[Session], day: date) -> None:
    """No tag placed twice, every venue trade recorded once, every share reconciled."""
    with sessions() as session:
        per_tag = session.execute(
            select(PaperOrder.tag, func.count()).group_by(PaperOrder.tag)
        ).all()
        assert all(count == 1 for _, count in per_tag), "a tag was placed twice"
        recorded = set(
            session.execute(
                select(OrderSlice.tag).where(OrderSlice.broker_order_id.is_not(None))
            ).scalars()
        )
        assert recorded <= {tag for tag, _ in per_tag}
        venue_trades = sorted(session.execute(select(PaperTrade.trade_id)).scalars())
        ledger_trades = sorted(session.execute(select(BrokerTrade.broker_trade_id)).scalars())
        assert venue_trades == ledger_trades
        result = compare(session, PaperVenue(sessions, session_day=day))
        assert result.matches, result


INVESTORS = {"asha@saras.demo": "150000.00", "vikram@saras.demo": "600000.00"}
KITE_LIMITS = RateLimits(per_second=10, per_minute=400)


def kite_engine(committed, fake, settings, progress=None, **config: object) -> Engine:
    """An engine on today's Kite session against the fake, reconciling after each batch
    (`config`: more `EngineConfig` fields)."""
    broker = kite_broker(committed, settings)
    return Engine(
        committed,
        broker,
        ImmediateClock(fake.close_market, poll_seconds=0.01),
        limiter=OrderRateLimiter(committed, limits=KITE_LIMITS),
        config=EngineConfig(trade_date=FIRST_DAY, lookup_pause=0.05, resend_unseen=False, **config),
        progress=progress,
        after_batch=lambda batch_id: reconcile_batch(committed, broker, batch_id),
    )


def batch_state(committed, batch_id) -> str:
    """A batch's state as committed."""
    with committed() as session:
        return str(session.get(Batch, batch_id).state)


def assert_exactly_once_at_kite(committed, fake, settings) -> None:
    """Each tag placed once at Kite, each Kite trade recorded once, and the books reconcile."""
    throttled = fake.throttled  # before this check's own reads, from another process
    per_tag = Counter(order["tag"] for order in fake.orders())
    assert per_tag
    assert max(per_tag.values()) == 1, "a tag was placed twice"
    with committed() as session:
        recorded = sorted(session.execute(select(BrokerTrade.broker_trade_id)).scalars())
        report = compare(session, kite_broker(committed, settings))
    assert recorded == sorted(str(t["trade_id"]) for t in fake.trades())
    assert report.matches, report
    assert throttled == 0, (fake.throttled_by, Counter(fake.requests))


def saras_env(sessions: sessionmaker[Session], **environment: str) -> dict[str, str]:
    """The environment of a ``saras`` process on `sessions`' database."""
    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, **environment}
    env.pop("SARAS_DATABASE_URL", None)
    return env


def saras(
    sessions: sessionmaker[Session], *arguments: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``saras <arguments>`` run to its end on `sessions`' database."""
    return subprocess.run(
        [sys.executable, "-m", "saras", *arguments],
        env=saras_env(sessions),
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
        check=False,
    )


def engine_process(
    sessions: sessionmaker[Session], *options: str, **environment: str
) -> subprocess.Popen[str]:
    """``saras engine run <options>`` as a process of its own on `sessions`' database, with
    `environment` added (``SARAS_CRASH_AT`` kills it at a named point)."""
    command = [sys.executable, "-m", "saras", "engine", "run", "--lease-seconds", "2", *options]
    return subprocess.Popen(
        command,
        env=saras_env(sessions, **environment),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def worker_process(sessions: sessionmaker[Session]) -> subprocess.Popen[str]:
    """``saras worker`` (no scheduler) on `sessions`' database, quick to poll and to rescue a
    dead worker's jobs; its log in a file (`tests.logged.log_of`)."""
    command = [sys.executable, "-m", "saras", "worker", "--no-schedule"]
    command += ["--heartbeat-seconds", "0.5", "--stalled-after", "2", "--poll-seconds", "0.2"]
    return spawn(command, saras_env(sessions))


@dataclass(frozen=True)
class Weight:
    """A constituent as the smallcase service takes it."""

    symbol: str
    weight: Decimal


def accept_leaders_v2(session: Session, day: date) -> tuple[Subscription, Intent, int]:
    """The demo manager publishes Nifty Leaders v2 (ITC out; SBIN and LT in), Vikram accepts
    it, and an approved batch of the smallcase is priced before `day`: (his subscription, the
    rebalance intent, the batch id)."""
    manager = session.execute(select(User).where(User.email == "manager@saras.demo")).scalar_one()
    vikram = session.execute(select(User).where(User.email == "vikram@saras.demo")).scalar_one()
    leaders = session.execute(
        select(Smallcase).where(Smallcase.name == "Nifty Leaders")
    ).scalar_one()
    smallcases.new_version(
        session,
        manager,
        leaders.id,
        constituents=[Weight(s, Decimal(w)) for s, w in LEADERS_V2.items()],
        note="ITC out; SBIN and LT in",
        description=None,
    )
    subscription = session.execute(
        select(Subscription).where(Subscription.user_id == vikram.id)
    ).scalar_one()
    intent = intents.decide_rebalance(session, vikram, subscription_id=subscription.id, accept=True)
    batch = batches.create(session, manager, smallcase_id=leaders.id, prices_before=day)
    batches.approve(session, manager, batch.id)
    return subscription, intent, batch.id
