"""The order-rate limiter, in PostgreSQL, shared by every process that trades the account.

Each placement first takes a token: under a row lock on the account's limiter row, count the
sends of the last second, the last minute and the day (on the database's clock, so processes on
different machines agree) and record this one only if all three stay within their limits;
otherwise wait until the oldest send that is in the way leaves its window. The lock makes the
check and the record one step for all processes, so going over a limit cannot happen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.db.models import OrderSend, RateLimiter
from bridge_api.execution.stops import DayBudgetExhausted
from bridge_api.observability import metrics

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Orders per second (Saras's default 8, under Kite's 10), per minute and per day."""

    per_second: int = 8
    per_minute: int = 400
    per_day: int = 5_000


class OrderRateLimiter:
    """Tokens for order placements (see the module doc)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        name: str = "zerodha",
        limits: RateLimits | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sessions = sessions
        self.name = name
        self.limits = limits or RateLimits()
        self._sleep = sleep

    def acquire(self, tag: str, *, on_wait: Callable[[float], None] | None = None) -> datetime:
        """Wait for a token and record the send of `tag`; returns the send time. `on_wait`
        hears the first wait, in seconds, if there is one; every wait is counted in the
        limiter's metrics."""
        told = False
        waited = 0.0
        while True:
            wait = self._try(tag)
            if isinstance(wait, datetime):
                metrics.LIMITER_WAIT_SECONDS.observe(waited)
                if waited:
                    metrics.LIMITER_WAITS.inc()
                return wait
            if on_wait is not None and not told:
                on_wait(wait)
                told = True
            self._sleep(wait)
            waited += wait

    def count_outside(self, orders: int) -> None:
        """Record how many orders the account placed today outside Saras (read from the
        broker's order book); they count against today's budget from now on."""
        with self._sessions() as session, session.begin():
            session.execute(
                insert(RateLimiter)
                .values(name=self.name, used_before=orders, used_on=func.clock_timestamp())
                .on_conflict_do_update(
                    index_elements=["name"],
                    set_={"used_before": orders, "used_on": func.clock_timestamp()},
                )
            )

    def used_today(self) -> int:
        """Placements counted against today's budget."""
        with self._sessions() as session:
            _, day_start = self._clock(session)
            return self._day_count(session, day_start)

    def _try(self, tag: str) -> datetime | float:
        with self._sessions() as session, session.begin():
            session.execute(
                insert(RateLimiter)
                .values(name=self.name)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            session.execute(
                select(RateLimiter).where(RateLimiter.name == self.name).with_for_update()
            )
            now, day_start = self._clock(session)
            if self._day_count(session, day_start) >= self.limits.per_day:
                raise DayBudgetExhausted(f"{self.limits.per_day} orders already sent today")
            recent = list(
                session.execute(
                    select(OrderSend.sent_at)
                    .where(OrderSend.limiter == self.name, OrderSend.sent_at > now - MINUTE)
                    .order_by(OrderSend.sent_at)
                ).scalars()
            )
            last_second = [t for t in recent if t > now - SECOND]
            waits = []
            if len(last_second) >= self.limits.per_second:
                waits.append(last_second[-self.limits.per_second] + SECOND - now)
            if len(recent) >= self.limits.per_minute:
                waits.append(recent[-self.limits.per_minute] + MINUTE - now)
            if waits:
                return max(w.total_seconds() for w in waits) + 0.001
            sent = OrderSend(limiter=self.name, tag=tag)
            session.add(sent)
            session.flush()
            session.refresh(sent)
            return sent.sent_at

    def _clock(self, session: Session) -> tuple[datetime, datetime]:
        row = session.execute(
            text(
                "SELECT clock_timestamp() AS now, "
                "(date_trunc('day', clock_timestamp() AT TIME ZONE 'Asia/Kolkata') "
                "AT TIME ZONE 'Asia/Kolkata') AS day_start"
            )
        ).one()
        return row.now, row.day_start

    def _day_count(self, session: Session, day_start: datetime) -> int:
        before = session.execute(
            select(RateLimiter.used_before, RateLimiter.used_on).where(
                RateLimiter.name == self.name
            )
        ).first()
        used = (
            before.used_before if before and before.used_on and before.used_on >= day_start else 0
        )
        sent = session.execute(
            select(func.count())
            .select_from(OrderSend)
            .where(OrderSend.limiter == self.name, OrderSend.sent_at >= day_start)
        ).scalar_one()
        return int(sent) + int(used)
