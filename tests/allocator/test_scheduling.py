from bisect import bisect_left

from hypothesis import given
from hypothesis import strategies as st

from allocator.scheduling import send_offsets


def _max_in_window(times, width):
    ordered = sorted(times)
    return max((bisect_left(ordered, t + width) - i for i, t in enumerate(ordered)), default=0)


@given(
    count=st.integers(min_value=0, max_value=1500),
    per_second=st.integers(min_value=1, max_value=12),
    per_minute=st.integers(min_value=1, max_value=500),
)
def test_no_window_holds_more_sends_than_the_limits(count, per_second, per_minute):
    times = send_offsets(count, per_second, per_minute)

    assert len(times) == count
    assert times == sorted(times)
    assert _max_in_window(times, 1000) <= per_second
    assert _max_in_window(times, 60_000) <= per_minute


@given(
    count=st.integers(min_value=1, max_value=5000),
    per_second=st.integers(min_value=1, max_value=10),
    data=st.data(),
)
def test_the_last_send_is_the_earliest_the_limits_allow(count, per_second, data):
    # With per_second <= per_minute <= 60 * per_second the earliest possible last send is known
    # in closed form: whole minutes of `per_minute` sends, then bursts of `per_second`.
    per_minute = data.draw(st.integers(min_value=per_second, max_value=60 * per_second))

    last = send_offsets(count, per_second, per_minute)[-1]

    minutes, rest = divmod(count - 1, per_minute)
    assert last == minutes * 60_000 + rest // per_second * 1000


def test_kite_limits_send_400_in_the_first_minute_in_bursts_of_10():
    times = send_offsets(1000, 10, 400)

    assert times[:10] == [0] * 10
    assert times[10] == 1000
    assert times[399] == 39_000
    assert times[400] == 60_000
    assert times[-1] == 139_000
