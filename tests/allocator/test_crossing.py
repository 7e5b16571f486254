from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from allocator.crossing import cross

sides = st.dictionaries(
    st.sampled_from([f"sub-{i}" for i in range(12)]),
    st.integers(min_value=1, max_value=10_000),
    max_size=8,
)


@given(buys=sides, sells=sides)
def test_crossing_matches_equal_quantities_and_crosses_the_smaller_side_in_full(buys, sells):
    crossed_buys, crossed_sells = cross("b1", "INFY", buys, sells)

    total = min(sum(buys.values()), sum(sells.values()))
    assert sum(crossed_buys.values()) == sum(crossed_sells.values()) == total
    for side, crossed in ((buys, crossed_buys), (sells, crossed_sells)):
        assert all(0 < crossed[a] <= side[a] for a in crossed)
        if sum(side.values()) == total:
            assert crossed == side
        else:
            for account, quantity in side.items():
                exact = Fraction(total * quantity, sum(side.values()))
                assert abs(crossed.get(account, 0) - exact) < 1


def test_crossing_with_one_side_empty_crosses_nothing():
    assert cross("b1", "INFY", {"sub-1": 5}, {}) == ({}, {})
