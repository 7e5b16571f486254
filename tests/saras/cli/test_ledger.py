"""``saras settle``: T+1 by hand, idempotent, on NSE's calendar."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.paper import PaperVenue
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.execution.clocks import PaperClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from tests.bridge_api.execution.support import INVESTORS, ready_batch, saras

pytestmark = pytest.mark.integration


def test_settle_moves_what_is_due_once_and_says_so(committed: sessionmaker[Session]):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    venue = PaperVenue(committed, session_day=FIRST_DAY)
    limiter = OrderRateLimiter(committed, limits=RateLimits(per_second=1000, per_minute=10**5))
    Engine(
        committed, venue, PaperClock(venue), limiter=limiter, config=EngineConfig(FIRST_DAY)
    ).run()

    same_day = saras(committed, "settle", "--day", "2026-11-18")  # FIRST_DAY: bought today
    t1_day = saras(committed, "settle", "--day", "2026-11-19")  # the shares are still T1
    next_day = saras(committed, "settle", "--day", "2026-11-21")  # a Saturday: Friday's due
    again = saras(committed, "settle", "--day", "2026-11-20")
    bad = saras(committed, "settle", "--day", "someday")

    assert same_day.returncode == 0, same_day.stderr
    assert "Settled 0 entries of 0 books due by 2026-11-18." in same_day.stdout
    assert "Settled 0 entries of 0 books due by 2026-11-19." in t1_day.stdout
    assert next_day.returncode == 0, next_day.stderr
    assert "due by 2026-11-20" in next_day.stdout
    assert "Settled 0 entries" not in next_day.stdout
    assert "Settled 0 entries of 0 books due by 2026-11-20." in again.stdout
    assert (bad.returncode, bad.stdout) == (2, "")
    assert "--day: not a date" in bad.stderr
