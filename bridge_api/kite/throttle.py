"""A client-side rate limit: at most N calls in any sliding window, shared by threads."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from functools import cache


class Throttle:
    """At most `per_second` acquisitions in any `window` seconds (a sliding window).

    Thread-safe: each caller reserves its slot under a lock, then sleeps outside it, so callers
    are served in arrival order and never crowd one window. Kite counts a request when it
    arrives, so a window slightly longer than a second leaves room for network jitter.
    """

    def __init__(
        self,
        per_second: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        *,
        window: float = 1.0,
    ) -> None:
        if per_second < 1 or window <= 0:
            raise ValueError("a throttle needs per_second >= 1 and a positive window")
        self.per_second = per_second
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: deque[float] = deque(maxlen=per_second)

    def acquire(self) -> None:
        """Wait until one more call fits in the window, and count it."""
        with self._lock:
            now = self._clock()
            slot = now
            if len(self._slots) == self.per_second:
                slot = max(now, self._slots[0] + self.window)
            self._slots.append(slot)
        if slot > now:
            self._sleep(slot - now)


JITTER_WINDOW = 1.05
"""Seconds per client-side window of a per-second limit: Kite counts arrivals, so leave room
for network jitter."""


@cache
def app_throttles(api_key: str) -> tuple[Throttle, Throttle]:
    """The process's quote limit (1/s) and limit for other calls (10/s) of one Kite app: Kite
    counts them per api key, whichever object makes the call."""
    return Throttle(1, window=JITTER_WINDOW), Throttle(10, window=JITTER_WINDOW)
