"""Kite's rate limits as the fake enforces them: sliding windows per category of request."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class FakeLimits:
    """Kite's rate limits and modification cap (defaults: the real values, §1.1)."""

    orders_per_second: int = 10
    orders_per_minute: int = 400
    orders_per_day: int = 5000
    quotes_per_second: int = 1
    historical_per_second: int = 3
    other_per_second: int = 10
    modifications_per_order: int = 25


class Window:
    """Hits admitted in the last ``seconds`` (a sliding window)."""

    def __init__(self, reason: str, limit: int, seconds: float) -> None:
        self.reason, self.limit, self.seconds = reason, limit, seconds
        self.hits: deque[float] = deque()

    def full(self, now: float) -> bool:
        """Whether one more hit now would go over the limit."""
        while self.hits and self.hits[0] <= now - self.seconds:
            self.hits.popleft()
        return len(self.hits) >= self.limit


class RateWindows:
    """Every category's windows, and how many requests each limit refused."""

    def __init__(self, limits: FakeLimits) -> None:
        self.throttled = 0
        self.throttled_by: Counter[str] = Counter()
        self._windows = {
            "orders": [
                Window("orders_per_second", limits.orders_per_second, 1),
                Window("orders_per_minute", limits.orders_per_minute, 60),
                Window("orders_per_day", limits.orders_per_day, 86_400),
            ],
            "quotes": [Window("quotes_per_second", limits.quotes_per_second, 1)],
            "historical": [Window("historical_per_second", limits.historical_per_second, 1)],
            "other": [Window("other_per_second", limits.other_per_second, 1)],
        }

    def admit(self, category: str, now: float) -> str | None:
        """Admit one request of `category` at `now`, or return the limit it is over."""
        windows = self._windows[category]
        for window in windows:
            if window.full(now):
                self.count(window.reason)
                return window.reason
        for window in windows:
            window.hits.append(now)
        return None

    def count(self, reason: str) -> None:
        """Count one refused request (``injected`` for a throttle the test asked for)."""
        self.throttled += 1
        self.throttled_by[reason] += 1
