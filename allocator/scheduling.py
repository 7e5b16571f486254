"""Send times for a batch's slices under the broker's per-second and per-minute limits.

For sends in time order ``t_0 <= t_1 <= ...``, a half-open window ``[t, t + 1000)`` holds more
than ``P`` sends exactly when some ``t_k - t_(k-P) < 1000``. Sending each slice at the earliest
time that rules out, ``t_k = max(t_(k-1), t_(k-P) + 1000, t_(k-M) + 60000)``, gives the earliest
possible last send (an earlier send never delays a later one).
"""

from __future__ import annotations

SECOND_MS = 1_000
MINUTE_MS = 60_000


def send_offsets(count: int, per_second: int, per_minute: int) -> list[int]:
    """Earliest send offsets (ms) for `count` slices sent in sequence."""
    times: list[int] = []
    for k in range(count):
        t = times[k - 1] if k else 0
        if k >= per_second:
            t = max(t, times[k - per_second] + SECOND_MS)
        if k >= per_minute:
            t = max(t, times[k - per_minute] + MINUTE_MS)
        times.append(t)
    return times
