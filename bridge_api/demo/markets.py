"""Where the demo trades: the paper venue, or Kite's real client against the fake Kite server
(the direct Kite path end to end, with no account and no network)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Protocol

from kiteconnect import KiteConnect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.fake_kite import FakeKite
from bridge_api.brokers.kite.broker import KiteBroker
from bridge_api.brokers.paper import PaperVenue
from bridge_api.brokers.port import Broker
from bridge_api.calendar import IST
from bridge_api.db.models import Bar, Instrument
from bridge_api.execution.clocks import ImmediateClock, MarketClock, PaperClock

DEMO_KEY, DEMO_SECRET = "saras_demo", "saras_demo_secret"


class DemoMarket(Protocol):
    """A market the demo can trade a day on."""

    name: str

    def open_day(self, day: date) -> tuple[Broker, MarketClock]:
        """The broker and clock for one session."""

    def broker(self, day: date) -> Broker:
        """The account as it stands after `day` (what the demo reconciles with)."""

    def close(self) -> None:
        """Release what the market holds."""


class PaperMarket:
    """The paper venue: fills against the bundled daily bars."""

    name = "paper venue"

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def open_day(self, day: date) -> tuple[Broker, MarketClock]:
        """A paper session for `day`."""
        venue = PaperVenue(self._sessions, session_day=day)
        return venue, PaperClock(venue)

    def broker(self, day: date) -> Broker:
        """The paper venue as of `day` (its holdings count every day)."""
        return PaperVenue(self._sessions, session_day=day)

    def close(self) -> None:
        """Nothing to release."""


class FakeKiteMarket:
    """The fake Kite server on this machine, reached through `KiteBroker` and the real client.

    Each day the operator logs in again (the fake's clock is the demo day's 10:00 IST, so the
    previous day's token has expired at 06:00), and each instrument is listed at its last close
    before the day.
    """

    name = "Kite (fake server)"

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._now = datetime.now(IST)
        self.fake = FakeKite(api_key=DEMO_KEY, api_secret=DEMO_SECRET, now=lambda: self._now)
        self.fake.start()
        self._broker: KiteBroker | None = None

    def open_day(self, day: date) -> tuple[Broker, MarketClock]:
        """Move the fake to `day`, list the market, log in, and return the Kite broker."""
        self._now = datetime.combine(day, time(10, 0), tzinfo=IST)
        with self._sessions() as session:
            for token, (symbol, tick, close) in enumerate(last_closes(session, day), 1):
                self.fake.list_instrument(symbol, token=token, price=close, tick_size=tick)
        kite = KiteConnect(DEMO_KEY, root=self.fake.url, timeout=5)
        kite.generate_session(self.fake.issue_request_token(), api_secret=DEMO_SECRET)
        self._broker = KiteBroker(kite, sessions=self._sessions)
        return self._broker, ImmediateClock(self.fake.close_market)

    def broker(self, day: date) -> Broker:
        """The Kite broker of the last day opened (holdings plus today's net positions)."""
        if self._broker is None:
            raise LookupError("no day has been opened on the fake Kite market")
        return self._broker

    def close(self) -> None:
        """Stop the fake server."""
        self.fake.stop()


def last_closes(session: Session, day: date) -> list[tuple[str, Decimal, Decimal]]:
    """Every instrument with its tick and its last close before `day`."""
    last = (
        select(Bar.symbol, func.max(Bar.day).label("day"))
        .where(Bar.day < day)
        .group_by(Bar.symbol)
        .subquery()
    )
    rows = session.execute(
        select(Instrument.symbol, Instrument.tick_size, Bar.close)
        .join(last, last.c.symbol == Instrument.symbol)
        .join(Bar, (Bar.symbol == last.c.symbol) & (Bar.day == last.c.day))
        .order_by(Instrument.symbol)
    ).all()
    return [(symbol, tick, close) for symbol, tick, close in rows]
