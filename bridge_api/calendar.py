"""Market dates: Indian Standard Time, where NSE sessions and settlement dates live."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")


def ist_today(now: datetime | None = None) -> date:
    """Today's date in India."""
    return (now or datetime.now(UTC)).astimezone(IST).date()
