"""Market clocks for the engine: the paper venue's (phases end once it has matched), a wired
venue's that matches at placement (the fake Kite server), and the live market's (phases end at
the cut-off and at NSE's close). Under Lean, ``algorithms/saras_master/lean_clock.py``."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from datetime import time as clock_time
from enum import StrEnum
from typing import Protocol

from bridge_api.brokers.paper import PaperVenue
from bridge_api.calendar import IST, NSE_CLOSE, NSE_OPEN, SELL_CUTOFF, is_session


class Deadline(StrEnum):
    """Where a phase of a batch ends: the sells at the cut-off, the buys at the close."""

    CUTOFF = "cutoff"
    CLOSE = "close"


class MarketClock(Protocol):
    """When the engine may start, send, and when each phase ends. A live clock reads the wall
    clock; the paper clock says every deadline has passed as soon as everything is sent (the
    paper venue has matched it all by then); under Lean the algorithm's clock decides."""

    def trades_today(self) -> bool:
        """Whether the market trades at all on this clock's day."""

    def accepting(self) -> bool:
        """Whether a new batch may start now."""

    def is_open(self) -> bool:
        """Whether orders may be sent now (a slice not sent by the close is not sent)."""

    def passed(self, deadline: Deadline) -> bool:
        """Whether the deadline has passed."""

    def end_of_day(self) -> None:
        """Make unfilled day orders expire, where the venue does not do it by itself."""

    def wait(self) -> None:
        """Pause before looking at the broker again (never called by a non-blocking driver)."""


class PaperClock:
    """The paper venue matches at placement, so each deadline has passed once everything is
    sent; the close expires what is left at the venue."""

    def __init__(self, venue: PaperVenue) -> None:
        self.venue = venue

    def trades_today(self) -> bool:
        """Whether the venue's session day is an NSE session."""
        return is_session(self.venue.session_day)

    def accepting(self) -> bool:
        """A paper session takes every ready batch."""
        return True

    def is_open(self) -> bool:
        """The paper session is open until every batch of the day is done."""
        return True

    def passed(self, deadline: Deadline) -> bool:
        """Nothing more will fill: every deadline has passed."""
        return True

    def end_of_day(self) -> None:
        """Close the paper session: open day orders expire."""
        self.venue.end_session()

    def wait(self) -> None:
        """Nothing to wait for."""


class ImmediateClock:
    """Like the paper clock, for a venue that matches at placement but is reached over the
    wire (the fake Kite server): every deadline has passed; `close` ends the venue's day."""

    def __init__(self, close: Callable[[], object], *, poll_seconds: float = 0.05) -> None:
        self._close = close
        self.poll_seconds = poll_seconds

    def trades_today(self) -> bool:
        """The venue decides its own day."""
        return True

    def accepting(self) -> bool:
        """The venue's session takes every ready batch."""
        return True

    def is_open(self) -> bool:
        """The venue takes orders until its day is ended."""
        return True

    def passed(self, deadline: Deadline) -> bool:
        """Nothing more will fill on its own."""
        return True

    def end_of_day(self) -> None:
        """Close the venue's day: open day orders expire."""
        self._close()

    def wait(self) -> None:
        """A short pause before looking again."""
        time.sleep(self.poll_seconds)


class LiveClock:
    """Wall-clock deadlines in IST: the sells' cut-off, and NSE's close."""

    def __init__(
        self,
        *,
        cutoff: clock_time = SELL_CUTOFF,
        close: clock_time = NSE_CLOSE,
        poll_seconds: float = 5.0,
        now: Callable[[], datetime] = lambda: datetime.now(IST),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`sleep` may return early (a postback waking the engine)."""
        self.cutoff, self.close = cutoff, close
        self.poll_seconds = poll_seconds
        self._now, self._sleep = now, sleep

    def accepting(self) -> bool:
        """Whether a new batch may start now: in the session, before the sells' cut-off."""
        now = self._now()
        return is_session(now.date()) and NSE_OPEN <= now.time() < self.cutoff

    def is_open(self) -> bool:
        """Whether NSE's continuous session is on now (IST, on NSE's trading days)."""
        now = self._now()
        return is_session(now.date()) and NSE_OPEN <= now.time() < self.close

    def trades_today(self) -> bool:
        """Whether today (IST) is an NSE session at all."""
        return is_session(self._now().date())

    def passed(self, deadline: Deadline) -> bool:
        """Whether the cut-off or the close has passed, in IST."""
        limit = self.cutoff if deadline == Deadline.CUTOFF else self.close
        return self._now().time() >= limit

    def end_of_day(self) -> None:
        """Nothing to do: the exchange expires unfilled day orders at the close."""

    def wait(self) -> None:
        """Sleep one poll interval (or until woken)."""
        self._sleep(self.poll_seconds)
