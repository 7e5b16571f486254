"""The live day through Kite: ``saras engine run --broker kite``.

It takes the trading lease, refuses a batch left executing on an earlier day, waits for NSE to
open, trades every ready batch with today's Kite session, reconciles the shares after each,
and exits. When Kite refuses the session (06:00 expiry, logout) trading halts; with
``--wait-for-login`` the runner holds the lease until the next login and resumes.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.kite.account import kite_broker
from bridge_api.brokers.kite.sessions import NoKiteSession, current, is_loopback
from bridge_api.brokers.kite.wake import PostbackWaiter
from bridge_api.brokers.port import BrokerUnavailable
from bridge_api.calendar import ist_today
from bridge_api.config import Settings, get_settings
from bridge_api.db.models import Batch, BatchState
from bridge_api.db.session import database_url, session_factory
from bridge_api.execution import tags
from bridge_api.execution.clocks import Deadline, LiveClock, MarketClock
from bridge_api.execution.engine import Engine, EngineConfig, Progress, emit
from bridge_api.execution.lease import Lease
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.execution.runner import holder_name, reconcile_batch
from bridge_api.execution.stops import (
    MarketClosed,
    NeedsLogin,
    RealMoneyDisabled,
    StaleBatch,
    TradingHalted,
)
from bridge_api.notifications.alerts import raise_alert


def run_kite(
    *,
    limits: RateLimits,
    clock: MarketClock | None = None,
    lease_ttl: timedelta = timedelta(seconds=30),
    progress: Progress | None = None,
    wait_for_login: bool = False,
    login_poll_seconds: float = 30.0,
    settings: Settings | None = None,
) -> list[int]:
    """Trade every ready batch through Kite with today's session.

    Each finished batch is reconciled (shares) against Kite's holdings and positions. When
    Kite refuses the session (06:00 expiry, logout) the session is ended, the operator alerted
    and trading halts: `NeedsLogin` propagates, or with `wait_for_login` the runner waits
    for the next login and resumes the batch where it stood.
    """
    settings = settings or get_settings()
    if not is_loopback(settings.kite_root) and not settings.real_money:
        raise RealMoneyDisabled(
            f"Kite at {settings.kite_root} trades real money and real-money trading is off"
        )
    sessions = session_factory()
    _refuse_stale(sessions, ist_today())
    lease = Lease(sessions, holder=holder_name(), ttl=lease_ttl)
    lease.acquire()
    waiter = None if clock is not None else PostbackWaiter(_conninfo())
    live = LiveClock(sleep=waiter or time.sleep)
    done: list[int] = []
    try:
        while True:
            _refuse_stale(sessions, ist_today())  # again after a wait: the day may have turned
            if clock is None:
                _await_open(live, lease, progress, sessions)
            try:
                broker = kite_broker(sessions, settings)
            except NoKiteSession as error:
                if not wait_for_login:
                    raise NeedsLogin(str(error)) from error
                _await_login(sessions, settings, login_poll_seconds, lease, progress)
                continue
            limiter = OrderRateLimiter(sessions, limits=limits)
            engine = Engine(
                sessions,
                broker,
                clock or live,
                limiter=limiter,
                config=EngineConfig(
                    trade_date=ist_today(),
                    collar=settings.buy_collar,
                    buy_charges_rate=settings.buy_charges_rate,
                    real_money=settings.real_money,
                    crossing_cleared=settings.crossing_cleared,
                    opposite_same_day=settings.opposite_same_day,
                    lookup_pause=1.0,
                    resend_unseen=False,
                ),
                lease=lease,
                progress=progress,
                after_batch=partial(reconcile_batch, sessions, broker),
            )
            try:
                limiter.count_outside(_orders_outside(engine))
                done += engine.run()
                return done
            except TradingHalted as error:
                now = _current_id(sessions, settings)
                if now == broker.session_id:
                    _halted(sessions, f"trading halted, Kite unreachable: {error}")
                    raise  # halted with the session still valid: Kite is unreachable
                if not wait_for_login:
                    _halted(sessions, f"trading halted until the next Kite login: {error}")
                    raise NeedsLogin(f"trading halted: {error}") from error
                if now is None:
                    _await_login(sessions, settings, login_poll_seconds, lease, progress)
    finally:
        lease.release()
        if waiter is not None:
            waiter.close()


def _halted(sessions: sessionmaker[Session], message: str) -> None:
    """Alert the operator that the engine stopped trading (its own transaction)."""
    with sessions() as session, session.begin():
        raise_alert(session, "engine_halted", message)


def _orders_outside(engine: Engine) -> int:
    """Orders in today's book that Saras did not place (Kite's day limit counts them too)."""
    try:
        book = engine.broker.orders()
    except BrokerUnavailable as error:
        raise TradingHalted(str(error)) from error
    return sum(1 for order in book if not tags.is_client_tag(order.tag))


def _current_id(sessions: sessionmaker[Session], settings: Settings) -> int | None:
    with sessions() as session:
        active = current(session, settings=settings)
        return None if active is None else active.id


def _session_valid(sessions: sessionmaker[Session], settings: Settings) -> bool:
    return _current_id(sessions, settings) is not None


def _await_login(
    sessions: sessionmaker[Session],
    settings: Settings,
    poll_seconds: float,
    lease: Lease,
    progress: Progress | None,
) -> None:
    """Hold the lease until the operator logs in again (a halt for any other reason, with a
    valid session, is not waited out: it propagates)."""
    emit(progress, "halted", {"waiting": "for the next Kite login (`saras kite login`)"})
    pause = min(poll_seconds, lease.ttl.total_seconds() / 3)
    while not _session_valid(sessions, settings):
        lease.renew()
        time.sleep(pause)


def _await_open(
    clock: LiveClock, lease: Lease, progress: Progress | None, sessions: sessionmaker[Session]
) -> None:
    """Before NSE opens, wait (holding the lease). After the close nothing new starts, but a
    batch of today left executing is still finished (its orders are final at Kite by then)."""
    if not clock.trades_today():
        raise MarketClosed(
            f"{ist_today()} is not an NSE session (a weekend or an exchange holiday): "
            "nothing is sent",
            hint="run the engine on a trading day",
        )
    if clock.passed(Deadline.CLOSE):
        if _executing_today(sessions, ist_today()):
            return
        raise MarketClosed("NSE has closed for the day: nothing is sent until the next session")
    if not clock.is_open():
        emit(progress, "waiting", {"for": "the market to open at 09:15 IST"})
    while not clock.is_open():
        lease.renew()
        time.sleep(min(30.0, lease.ttl.total_seconds() / 3))


def _executing_today(sessions: sessionmaker[Session], today: date) -> bool:
    with sessions() as session:
        return (
            session.execute(
                select(Batch.id).where(
                    Batch.state == BatchState.EXECUTING, Batch.trade_date == today
                )
            ).first()
            is not None
        )


def _refuse_stale(sessions: sessionmaker[Session], today: date) -> None:
    """A batch left executing on an earlier day cannot be resumed against today's books (its
    day orders expired at that close, and Kite's books now hold only today): alert, stop."""
    with sessions() as session, session.begin():
        stale = session.execute(
            select(Batch.id, Batch.trade_date).where(
                Batch.state == BatchState.EXECUTING, Batch.trade_date < today
            )
        ).all()
        if not stale:
            return
        listed = ", ".join(f"{batch_id} (traded {day})" for batch_id, day in stale)
        message = (
            f"batches left executing on an earlier day: {listed}; their day orders expired at "
            "that close and cannot be resumed against today's books"
        )
        raise_alert(session, "stale_batch", message, batches=[b for b, _ in stale])
    raise StaleBatch(message)


def _conninfo() -> str:
    return (
        make_url(database_url()).set(drivername="postgresql").render_as_string(hide_password=False)
    )
