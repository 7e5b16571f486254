"""The trading lease: only one engine trades the account at a time.

An engine holds the lease until it expires (it renews it while it works). A second engine
waits; when the first dies, its lease runs out and the second takes over cleanly, resuming
whatever batch was executing from what the database recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.execution.stops import LeaseLost
from bridge_api.observability import metrics


class Lease:
    """A named lease in PostgreSQL held by `holder` for `ttl` at a time."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        holder: str,
        name: str = "zerodha",
        ttl: timedelta = timedelta(seconds=30),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sessions = sessions
        self.holder = holder
        self.name = name
        self.ttl = ttl
        self._sleep = sleep

    def try_acquire(self) -> bool:
        """Take (or renew) the lease if it is free, expired or already ours."""
        with self._sessions() as session, session.begin():
            won = session.execute(
                text(
                    "INSERT INTO engine_leases (name, holder, expires_at) "
                    "VALUES (:name, :holder, clock_timestamp() + :ttl) "
                    "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, "
                    "expires_at = EXCLUDED.expires_at "
                    "WHERE engine_leases.expires_at < clock_timestamp() "
                    "OR engine_leases.holder = EXCLUDED.holder "
                    "RETURNING holder"
                ),
                {"name": self.name, "holder": self.holder, "ttl": self.ttl},
            ).first()
        metrics.LEASE_HELD.set(1 if won is not None else 0)
        return won is not None

    def acquire(self, *, timeout: float | None = None, poll: float | None = None) -> bool:
        """Wait for the lease (up to `timeout` seconds, or forever), looking every `poll`
        seconds (a tenth of the lease's life, at most a second)."""
        poll = poll or min(1.0, self.ttl.total_seconds() / 10)
        waited = 0.0
        while not self.try_acquire():
            if timeout is not None and waited >= timeout:
                return False
            self._sleep(poll)
            waited += poll
        return True

    def renew(self) -> None:
        """Extend the lease; raises if another engine took it (ours had expired)."""
        if not self.try_acquire():
            raise LeaseLost(f"{self.holder} lost the {self.name} lease")

    def release(self) -> None:
        """Give the lease up at once."""
        with self._sessions() as session, session.begin():
            session.execute(
                text("DELETE FROM engine_leases WHERE name = :name AND holder = :holder"),
                {"name": self.name, "holder": self.holder},
            )
        metrics.LEASE_HELD.set(0)
