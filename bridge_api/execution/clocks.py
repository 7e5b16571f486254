"""Market clocks for the engine: the paper venue's (phases end once it has matched), and the
live market's (phases end at the cut-off and at NSE's close)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from datetime import time as clock_time

from bridge_api.brokers.paper import PaperVenue
from bridge_api.calendar import IST

NSE_OPEN = clock_time(9, 15)
NSE_CLOSE = clock_time(15, 30)


class PaperClock:
    """The paper venue matches at placement, so each deadline has passed once everything is
    sent; the close expires what is left at the venue."""

    def __init__(self, venue: PaperVenue) -> None:
        self.venue = venue

    def passed(self, deadline: str) -> bool:
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

    def passed(self, deadline: str) -> bool:
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
        cutoff: clock_time = clock_time(14, 0),
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
        return now.weekday() < 5 and NSE_OPEN <= now.time() < self.cutoff

    def is_open(self) -> bool:
        """Whether NSE's continuous session is on now (IST, weekdays; holidays not known)."""
        now = self._now()
        return now.weekday() < 5 and NSE_OPEN <= now.time() < self.close

    def passed(self, deadline: str) -> bool:
        """Whether the cut-off or the close has passed, in IST."""
        limit = self.cutoff if deadline == "cutoff" else self.close
        return self._now().time() >= limit

    def end_of_day(self) -> None:
        """Nothing to do: the exchange expires unfilled day orders at the close."""

    def wait(self) -> None:
        """Sleep one poll interval (or until woken)."""
        self._sleep(self.poll_seconds)
