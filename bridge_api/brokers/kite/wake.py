"""Waking the engine early: a postback ``NOTIFY``-s a channel the waiting engine listens on."""

from __future__ import annotations

import psycopg

from bridge_api.brokers.kite.postbacks import WAKE_CHANNEL


class PostbackWaiter:
    """Sleeps up to a timeout, returning as soon as a postback arrives (a `LiveClock` sleep)."""

    def __init__(self, conninfo: str) -> None:
        self._connection = psycopg.connect(conninfo, autocommit=True)
        self._connection.execute(f"LISTEN {WAKE_CHANNEL}")

    def __call__(self, seconds: float) -> None:
        """Wait for a wake-up or `seconds`, whichever comes first; then drain every wake-up
        already queued, so a burst of postbacks wakes the engine once."""
        for _ in self._connection.notifies(timeout=seconds, stop_after=1):
            break
        for _ in self._connection.notifies(timeout=0.001):
            pass

    def close(self) -> None:
        """Stop listening."""
        self._connection.close()
