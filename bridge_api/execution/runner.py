"""Running the engine as a process: ``saras engine run``.

It takes the trading lease (waiting while another engine holds it), resumes any batch a dead
engine left executing, then trades every ready batch, and exits: through the paper venue for
a given day, or through Kite with today's session.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.paper import Faults, PaperVenue
from bridge_api.calendar import ist_today
from bridge_api.config import Settings, get_settings
from bridge_api.db.session import database_url, session_factory
from bridge_api.execution.clocks import LiveClock, PaperClock
from bridge_api.execution.engine import (
    Engine,
    EngineConfig,
    MarketClock,
    Progress,
    TradingHalted,
)
from bridge_api.execution.lease import Lease
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.kite.broker import KiteBroker
from bridge_api.kite.reconcile import reconcile
from bridge_api.kite.sessions import connected_client, current, session_lost
from bridge_api.kite.wake import PostbackWaiter


def holder_name() -> str:
    """Who holds the lease: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_paper(
    *,
    session_day: date,
    limits: RateLimits,
    participation: Decimal = Decimal("0.10"),
    faults: Faults | None = None,
    lease_ttl: timedelta = timedelta(seconds=30),
    progress: Progress | None = None,
) -> list[int]:
    """Trade every ready batch through the paper venue for `session_day`."""
    sessions = session_factory()
    venue = PaperVenue(
        sessions, session_day=session_day, participation=participation, faults=faults
    )
    lease = Lease(sessions, holder=holder_name(), ttl=lease_ttl)
    lease.acquire()
    try:
        engine = Engine(
            sessions,
            venue,
            PaperClock(venue),
            limiter=OrderRateLimiter(sessions, limits=limits),
            config=EngineConfig(trade_date=session_day),
            lease=lease,
            progress=progress,
        )
        return engine.run()
    finally:
        lease.release()


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
    and trading halts: `TradingHalted` propagates, or with `wait_for_login` the runner waits
    for the next login and resumes the batch where it stood.
    """
    settings = settings or get_settings()
    sessions = session_factory()
    lease = Lease(sessions, holder=holder_name(), ttl=lease_ttl)
    lease.acquire()
    waiter = None if clock is not None else PostbackWaiter(_conninfo())
    clock = clock or LiveClock(sleep=waiter or time.sleep)
    done: list[int] = []
    try:
        while True:
            broker = kite_broker(sessions, settings)
            engine = Engine(
                sessions,
                broker,
                clock,
                limiter=OrderRateLimiter(sessions, limits=limits),
                config=EngineConfig(
                    trade_date=ist_today(),
                    collar=Decimal(settings.buy_collar),
                    buy_charges_rate=Decimal(settings.buy_charges_rate),
                    real_money=settings.real_money,
                ),
                lease=lease,
                progress=progress,
                after_batch=partial(_reconcile_batch, sessions, broker),
            )
            try:
                done += engine.run()
                return done
            except TradingHalted:
                if not wait_for_login:
                    raise
                _await_login(sessions, settings, login_poll_seconds, lease, progress)
    finally:
        lease.release()
        if waiter is not None:
            waiter.close()


def kite_broker(sessions: sessionmaker[Session], settings: Settings) -> KiteBroker:
    """A Kite broker on the current session; a refused session is ended and alerted."""
    with sessions() as session:
        kite = connected_client(session, settings)

    def lost(reason: str) -> None:
        with sessions() as session, session.begin():
            session_lost(session, reason)

    return KiteBroker(kite, sessions=sessions, on_session_lost=lost)


def _reconcile_batch(sessions: sessionmaker[Session], broker: KiteBroker, batch_id: int) -> None:
    with sessions() as session, session.begin():
        reconcile(session, broker, scope="shares", batch_id=batch_id)


def _await_login(
    sessions: sessionmaker[Session],
    settings: Settings,
    poll_seconds: float,
    lease: Lease,
    progress: Progress | None,
) -> None:
    if progress is not None:
        progress("halted", {"waiting": "for the next Kite login (`saras kite login`)"})
    while True:
        lease.renew()
        with sessions() as session:
            if current(session, settings=settings) is not None:
                return
        time.sleep(poll_seconds)


def _conninfo() -> str:
    return (
        make_url(database_url()).set(drivername="postgresql").render_as_string(hide_password=False)
    )
