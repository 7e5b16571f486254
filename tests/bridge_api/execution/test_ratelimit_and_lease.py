"""The PostgreSQL rate limiter and trading lease, shared by processes (here: threads with their
own connections), on committed databases."""

import threading
from bisect import bisect_left
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bridge_api.db.models import OrderSend
from bridge_api.execution.lease import Lease
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.execution.stops import DayBudgetExhausted, LeaseLost


class _Waited(Exception):
    """Raised by a fake sleep to report how long the limiter wanted to wait."""


def _wait_requested(limiter_factory) -> float:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise _Waited

    with pytest.raises(_Waited):
        limiter_factory(sleep).acquire("T")
    return waits[0]


def test_concurrent_senders_never_exceed_the_per_second_limit(committed):
    limiter = OrderRateLimiter(committed, limits=RateLimits(per_second=5, per_minute=1000))

    def sender(n: int) -> None:
        for k in range(7):
            limiter.acquire(f"S{n}K{k}")

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with committed() as session:
        times = sorted(session.execute(select(OrderSend.sent_at)).scalars())
    assert len(times) == 21
    window = timedelta(seconds=1)
    assert all(bisect_left(times, t + window) - i <= 5 for i, t in enumerate(times))
    assert times[-1] - times[0] >= timedelta(seconds=4)


def test_a_full_minute_makes_the_next_send_wait_for_its_oldest_to_leave(committed):
    with committed() as session, session.begin():
        session.execute(
            text(
                "INSERT INTO order_sends (limiter, tag, sent_at) "
                "SELECT 'zerodha', 'X' || n, "
                "clock_timestamp() - interval '30 seconds' + n * interval '1 millisecond' "
                "FROM generate_series(1, 400) AS n"
            )
        )

    wait = _wait_requested(lambda sleep: OrderRateLimiter(committed, sleep=sleep))

    assert 29 < wait < 31


def test_the_day_budget_is_a_hard_stop(committed):
    with committed() as session, session.begin():
        session.execute(
            text(
                "INSERT INTO order_sends (limiter, tag, sent_at) "
                "SELECT 'zerodha', 'X' || n, (date_trunc('day', clock_timestamp() "
                "AT TIME ZONE 'Asia/Kolkata') AT TIME ZONE 'Asia/Kolkata') + interval '1 second' "
                "FROM generate_series(1, 50) AS n"
            )
        )

    limiter = OrderRateLimiter(committed, limits=RateLimits(per_day=50))
    with pytest.raises(DayBudgetExhausted):
        limiter.acquire("T")


def test_one_engine_holds_the_lease_and_another_takes_it_only_once_it_lapses(committed):
    first = Lease(committed, holder="a", ttl=timedelta(seconds=1))
    second = Lease(committed, holder="b", ttl=timedelta(seconds=30))

    assert first.try_acquire()
    assert not second.try_acquire()
    assert second.acquire(timeout=3, poll=0.2)
    with pytest.raises(LeaseLost):
        first.renew()
    second.release()
    assert first.try_acquire()
