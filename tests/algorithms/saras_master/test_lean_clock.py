"""The engine's clock under Lean: deadlines and trading windows by the algorithm's time."""

from datetime import date, datetime, time

import pytest
from lean_clock import LeanClock

from tests.algorithms.lean_standin import SecurityExchangeHours

THURSDAY = date(2026, 11, 19)


def _clock(now: datetime) -> LeanClock:
    return LeanClock(now=lambda: now, hours=SecurityExchangeHours(), trade_date=THURSDAY)


@pytest.mark.parametrize(
    ("now", "deadline", "passed"),
    [
        (datetime(2026, 11, 19, 13, 59), "cutoff", False),
        (datetime(2026, 11, 19, 14, 0), "cutoff", True),
        (datetime(2026, 11, 19, 15, 29), "close", False),
        (datetime(2026, 11, 19, 15, 30), "close", True),
        (datetime(2026, 11, 20, 9, 20), "cutoff", True),
        (datetime(2026, 11, 20, 9, 20), "close", True),
    ],
)
def test_a_deadline_passes_at_its_time_on_the_trade_date_or_any_later_day(now, deadline, passed):
    assert _clock(now).passed(deadline) is passed


@pytest.mark.parametrize(
    ("moment", "claim", "step"),
    [
        (time(9, 14), False, False),
        (time(9, 15), True, True),
        (time(13, 59), True, True),
        (time(14, 0), False, True),
        (time(15, 45), False, True),
        (time(16, 0), False, False),
    ],
)
def test_batches_start_before_the_cutoff_and_move_until_just_after_the_close(moment, claim, step):
    clock = _clock(datetime.combine(THURSDAY, moment))

    assert (clock.can_claim(), clock.can_step()) == (claim, step)


def test_nothing_trades_on_a_weekend():
    clock = _clock(datetime(2026, 11, 21, 11, 0))

    assert not clock.can_claim()
    assert not clock.can_step()


def test_the_clock_never_blocks_or_acts():
    clock = _clock(datetime(2026, 11, 19, 15, 40))

    assert clock.end_of_day() is None
    assert clock.wait() is None
