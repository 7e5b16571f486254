"""The engine's market clock under Lean: deadlines read from the algorithm's own time.

The algorithm runs in IST (``set_time_zone(TimeZones.KOLKATA)``), so ``algorithm.time`` is the
exchange's local time in a backtest and in live trading alike. Nothing here blocks, and a Lean
callback must never wait. In a backtest Lean expires day orders at the close by itself; live,
an open day order may stay unanswered at the close, so there the buys' deadline is
`LIVE_CLOSING` (a few minutes before the close) and `end_of_day` cancels what is still open,
whose cancellation events let the batch finish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from AlgorithmImports import SecurityExchangeHours

from bridge_api.calendar import NSE_CLOSE, SELL_CUTOFF, is_session
from bridge_api.execution.clocks import Deadline

SETTLING = timedelta(minutes=30)
"""How long after the close the poll still runs, to finalize what expired at the close."""
LIVE_CLOSING = clock_time(15, 25)
"""Live, when the buys stop: what is open is cancelled while the exchange still answers."""


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class LeanClock:
    """The sells' cut-off and NSE's close on `trade_date`, by the algorithm's clock (IST)."""

    now: Callable[[], datetime]
    hours: SecurityExchangeHours
    trade_date: date
    cutoff: clock_time = SELL_CUTOFF
    close: clock_time = NSE_CLOSE
    cancel_open: Callable[[], None] = _nothing
    """What `end_of_day` does: live, cancel every open order of this run."""

    def passed(self, deadline: Deadline) -> bool:
        """Whether the deadline (the cut-off or the close) of the trade date has passed."""
        now = self.now()
        limit = self.cutoff if deadline == Deadline.CUTOFF else self.close
        return now.date() > self.trade_date or (
            now.date() == self.trade_date and now.time() >= limit
        )

    def end_of_day(self) -> None:
        """Cancel what is still open (live); in a backtest Lean expires it at the close."""
        self.cancel_open()

    def wait(self) -> None:
        """Nothing to do: the algorithm polls on a schedule and never blocks."""

    def trades_today(self) -> bool:
        """Whether NSE trades on the trade date (Saras's calendar)."""
        return is_session(self.trade_date)

    def accepting(self) -> bool:
        """Whether a new batch may start: the market is open and the cut-off is ahead."""
        now = self.now()
        return self.hours.is_open(now, False) and now.time() < self.cutoff

    def is_open(self) -> bool:
        """Whether orders may be sent: the market is open now."""
        return bool(self.hours.is_open(self.now(), False))

    def can_claim(self) -> bool:
        """Whether the poll may claim a new batch (the same as `accepting`)."""
        return self.accepting()

    def can_step(self) -> bool:
        """Whether a started batch may move: the market is open, or closed only just now."""
        now = self.now()
        return self.hours.is_open(now, False) or self.hours.is_open(now - SETTLING, False)
