"""Market clocks for the engine: the paper venue's (phases end once it has matched), and the
live market's (phases end at the cut-off and at NSE's close)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from datetime import time as clock_time

from bridge_api.brokers.paper import PaperVenue
from bridge_api.calendar import IST

NSE_CLOSE = clock_time(15, 30)


class PaperClock:
    """The paper venue matches at placement, so each phase can end at once; the close expires
    what is left at the venue."""

    def __init__(self, venue: PaperVenue) -> None:
        self.venue = venue

    def await_fills(self, done: Callable[[], bool], *, until: str) -> None:
        """Nothing more will fill before the deadline: return."""

    def end_of_day(self) -> None:
        """Close the paper session: open day orders expire."""
        self.venue.end_session()


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
        self.cutoff, self.close = cutoff, close
        self.poll_seconds = poll_seconds
        self._now, self._sleep = now, sleep

    def await_fills(self, done: Callable[[], bool], *, until: str) -> None:
        """Poll `done` until it holds or the deadline passes."""
        deadline = self.cutoff if until == "cutoff" else self.close
        while not done() and self._now().time() < deadline:
            self._sleep(self.poll_seconds)

    def end_of_day(self) -> None:
        """Wait for the close (the exchange expires unfilled day orders)."""
        while self._now().time() < self.close:
            self._sleep(self.poll_seconds)
