"""A client-side rate limit: at most N calls in any sliding window, shared by threads."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from functools import cache
from typing import TypeVar

T = TypeVar("T")


class Throttle:
    """At most `per_second` calls in any `window` seconds (a sliding window).

    `acquire` spaces the starts of calls: thread-safe, each caller reserves its slot under a
    lock and sleeps outside it. Kite counts a request when it arrives, which can be later than
    its start, so the Kite client uses `call`, which spaces each call's start from the end of
    the calls before it and so holds as Kite counts, whatever the network's delays.
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
        self._ends: deque[float] = deque(maxlen=per_second)
        self._serial = threading.Lock()

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

    def call(self, work: Callable[[], T]) -> T:
        """Run `work` so that the server, counting each call when it arrives (somewhere
        between the call's start and its end), never sees more than `per_second` in a window:
        a call starts only once the `per_second`-th call before it has ended a whole window
        ago. Calls through one throttle run one at a time. (Do not mix with `acquire`.)"""
        with self._serial:
            with self._lock:
                wait = 0.0
                if len(self._ends) == self.per_second:
                    wait = self._ends[0] + self.window - self._clock()
            if wait > 0:
                self._sleep(wait)
            try:
                return work()
            finally:
                with self._lock:
                    self._ends.append(self._clock())


@cache
def app_throttles(api_key: str) -> tuple[Throttle, Throttle]:
    """The process's quote limit (1/s) and limit for other calls (10/s) of one Kite app: Kite
    counts them per api key, whichever object makes the call."""
    return Throttle(1), Throttle(10)
