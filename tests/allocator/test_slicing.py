from hypothesis import given
from hypothesis import strategies as st

from allocator.slicing import slice_cap, slice_sizes


@given(
    quantity=st.integers(min_value=1, max_value=10**7),
    cap=st.integers(min_value=1, max_value=10**5),
)
def test_slices_are_the_fewest_under_the_cap_and_differ_by_at_most_one(quantity, cap):
    sizes = slice_sizes(quantity, cap)

    assert sum(sizes) == quantity
    assert len(sizes) == -(-quantity // cap)
    assert max(sizes) <= cap
    assert max(sizes) - min(sizes) <= 1
    assert sizes == sorted(sizes, reverse=True)


def test_slice_sizes_of_nothing_is_no_slice():
    assert slice_sizes(0, 10) == []


def test_slice_cap_is_the_tighter_of_quantity_and_value_caps():
    # Rs 10 lakh at Rs 820.25 buys 1219 shares; the quantity cap of 250 is tighter.
    assert slice_cap(250, 100_000_000, 82_025) == 250
    assert slice_cap(100_000, 100_000_000, 82_025) == 1219
