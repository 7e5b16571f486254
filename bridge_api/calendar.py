"""Market dates: Indian Standard Time, NSE's sessions and holidays, and T+1 settlement.

The holidays come from a maintained exchange calendar (`pandas_market_calendars`, NSE), loaded
on first use, plus any the operator adds with ``SARAS_MARKET_HOLIDAYS`` (NSE publishes each
year's list in December; the library may lag behind it). A session is a weekday that is not a
holiday. NSE settles on the next clearing day (T+1); clearing holidays are taken to be the
trading holidays, which is what NSE's circulars list for the cash market.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache, lru_cache

from bridge_api.config import get_settings

IST = timezone(timedelta(hours=5, minutes=30), "IST")
NSE_OPEN = time(9, 15)
"""Start of NSE's continuous session (IST)."""
NSE_CLOSE = time(15, 30)
"""End of NSE's continuous session (IST): unfilled day orders expire."""
SELL_CUTOFF = time(14, 0)
"""Saras's cut-off for a batch's sells (IST): what is unfilled is cancelled, so the buys that
follow have time to fill before the close."""
_DAY = timedelta(days=1)
log = logging.getLogger(__name__)


def ist_today(now: datetime | None = None) -> date:
    """Today's date in India."""
    return (now or datetime.now(UTC)).astimezone(IST).date()


@lru_cache(maxsize=1)
def holidays() -> frozenset[date]:
    """NSE's weekday trading holidays: the exchange calendar's, and the configured ones."""
    import pandas_market_calendars  # noqa: PLC0415  (pandas: only where dates are needed)

    listed = pandas_market_calendars.get_calendar("NSE").holidays().holidays
    known = {day.astype(date) for day in listed}
    return frozenset(known | set(get_settings().market_holidays))


def known_until() -> date:
    """The last day of the last year whose holidays are known; later days are treated as
    sessions on every weekday (a warning says so once)."""
    return date(max(holidays()).year, 12, 31)


def is_session(day: date) -> bool:
    """Whether NSE trades on `day`."""
    if day > known_until():
        _warn_unknown(day.year)
    return day.weekday() < 5 and day not in holidays()


def next_session(day: date) -> date:
    """The first session after `day`."""
    day += _DAY
    while not is_session(day):
        day += _DAY
    return day


def latest_session(day: date) -> date:
    """`day` if it is a session, else the last session before it."""
    while not is_session(day):
        day -= _DAY
    return day


def settlement_day(trade_day: date) -> date:
    """When a trade of `trade_day` settles: T+1, the next clearing day."""
    return next_session(trade_day)


def sessions(start: date, end: date) -> list[date]:
    """Every session from `start` to `end`, both included."""
    days, day = [], start
    while day <= end:
        if is_session(day):
            days.append(day)
        day += _DAY
    return days


def last_closed_day(now: datetime | None = None) -> date:
    """The last session whose close has passed: today after 15:30 IST on a session, else the
    session before (a day's candle is final only after its close)."""
    moment = (now or datetime.now(UTC)).astimezone(IST)
    today = moment.date()
    if is_session(today) and moment.time() >= NSE_CLOSE:
        return today
    return latest_session(today - _DAY)


@cache
def _warn_unknown(year: int) -> None:
    log.warning(
        "NSE holidays of %s are not known to the exchange calendar: every weekday is taken as "
        "a session; add the year's holidays with SARAS_MARKET_HOLIDAYS",
        year,
    )
