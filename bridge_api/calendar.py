"""Market dates: Indian Standard Time, where NSE sessions and settlement dates live."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")
NSE_OPEN = time(9, 15)
"""Start of NSE's continuous session (IST)."""
NSE_CLOSE = time(15, 30)
"""End of NSE's continuous session (IST): unfilled day orders expire."""
SELL_CUTOFF = time(14, 0)
"""Saras's cut-off for a batch's sells (IST): what is unfilled is cancelled, so the buys that
follow have time to fill before the close."""


def ist_today(now: datetime | None = None) -> date:
    """Today's date in India."""
    return (now or datetime.now(UTC)).astimezone(IST).date()


def last_closed_day(now: datetime | None = None) -> date:
    """Today once NSE has closed (15:30 IST), else yesterday: a day's candle is final only
    after its close."""
    moment = (now or datetime.now(UTC)).astimezone(IST)
    today = moment.date()
    return today if moment.time() >= NSE_CLOSE else today - timedelta(days=1)
