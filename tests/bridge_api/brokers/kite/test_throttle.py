"""The throttle on a fake clock: never more than N calls in any window, from any thread."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge_api.brokers.kite.throttle import Throttle


class FakeClock:
    """A monotonic clock that only moves when someone sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        with self._lock:
            self.now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def granted_times(throttle: Throttle, clock: FakeClock, gaps: list[float]) -> list[float]:
    times = []
    for gap in gaps:
        clock.advance(gap)
        throttle.acquire()
        times.append(clock())
    return times


def test_the_first_n_calls_pass_at_once_and_the_next_waits_a_window() -> None:
    clock = FakeClock()
    throttle = Throttle(3, clock, clock.sleep)

    assert granted_times(throttle, clock, [0, 0, 0, 0, 0, 0, 0]) == [0, 0, 0, 1, 1, 1, 2]


def test_a_longer_window_spaces_calls_further() -> None:
    clock = FakeClock()
    throttle = Throttle(1, clock, clock.sleep, window=1.5)

    assert granted_times(throttle, clock, [0, 0, 2, 0]) == [0, 1.5, 3.5, 5.0]


@given(
    per_second=st.integers(min_value=1, max_value=5),
    gaps=st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0, 2.0]), max_size=40),
)
def test_no_window_ever_holds_more_than_n_calls(per_second: int, gaps: list[float]) -> None:
    clock = FakeClock()
    times = granted_times(Throttle(per_second, clock, clock.sleep), clock, gaps)

    for i in range(len(times) - per_second):
        assert times[i + per_second] - times[i] >= 1.0 - 1e-9


def test_threads_share_one_limit() -> None:
    waits: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    throttle = Throttle(3, lambda: 0.0, sleep)  # time stands still: every wait is a slot
    threads = [threading.Thread(target=throttle.acquire) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(waits) == [float(i // 3) for i in range(3, 30)]


@pytest.mark.parametrize(("per_second", "window"), [(0, 1.0), (3, 0.0)])
def test_a_throttle_that_could_never_pass_is_refused(per_second: int, window: float) -> None:
    with pytest.raises(ValueError, match="per_second"):
        Throttle(per_second, window=window)


@given(
    st.integers(min_value=1, max_value=10),
    st.lists(
        st.tuples(st.floats(0, 0.5), st.floats(0, 0.9)), min_size=1, max_size=60
    ),
)
def test_calls_arriving_anywhere_in_their_span_never_exceed_the_limit(
    per_second: int, calls: list[tuple[float, float]]
) -> None:
    clock = FakeClock()
    throttle = Throttle(per_second, clock, clock.sleep)
    spans = []
    for gap, duration in calls:
        clock.advance(gap)

        def work(duration: float = duration) -> tuple[float, float]:
            start = clock()
            clock.advance(duration)
            return start, clock()

        spans.append(throttle.call(work))

    # the server may count each call at any moment of its span: even if the earlier call
    # arrives at its very end and the later at its very start, n calls apart they are a window
    # apart, so no window holds more than n arrivals
    for earlier, later in zip(spans, spans[per_second:], strict=False):
        assert later[0] >= earlier[1] + 1.0 - 1e-9
