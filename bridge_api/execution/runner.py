"""Running the engine as a process on the paper venue: ``saras engine run --paper-day``.

It takes the trading lease (waiting while another engine holds it), resumes any batch a dead
engine left executing, then trades every ready batch for the day, and exits. The live Kite
day is `bridge_api.execution.live`.
"""

from __future__ import annotations

import os
import socket
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.paper import Faults, PaperVenue
from bridge_api.brokers.port import Broker, BrokerError
from bridge_api.config import get_settings
from bridge_api.db.session import session_factory
from bridge_api.execution.clocks import PaperClock
from bridge_api.execution.engine import Engine, EngineConfig, Progress
from bridge_api.execution.lease import Lease
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.ledger.reconciliation import reconcile
from bridge_api.notifications.alerts import raise_alert


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
            config=EngineConfig(
                trade_date=session_day, opposite_same_day=get_settings().opposite_same_day
            ),
            lease=lease,
            progress=progress,
        )
        return engine.run()
    finally:
        lease.release()


def reconcile_batch(sessions: sessionmaker[Session], broker: Broker, batch_id: int) -> None:
    """The share check after a batch; when the broker cannot be read, an alert says it was not
    done."""
    try:
        with sessions() as session, session.begin():
            reconcile(session, broker, scope="shares", batch_id=batch_id)
    except BrokerError as error:
        with sessions() as session, session.begin():
            raise_alert(
                session,
                "reconciliation",
                f"batch {batch_id}: shares not reconciled, {broker.name} could not be read "
                f"({error})",
                batch_id=batch_id,
            )
