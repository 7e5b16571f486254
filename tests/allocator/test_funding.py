from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from allocator.funding import fund

SYMBOLS = ["A", "B", "C", "D", "E"]


@st.composite
def baskets(draw):
    chosen = draw(st.lists(st.sampled_from(SYMBOLS), unique=True, min_size=1))
    buys = {s: draw(st.integers(min_value=1, max_value=1000)) for s in chosen}
    limits = {s: draw(st.integers(min_value=1, max_value=1_000_000)) for s in chosen}
    return buys, limits


@given(basket=baskets(), budget=st.integers(min_value=0, max_value=10**10))
def test_funded_buys_fit_the_budget_and_never_exceed_the_wish(basket, budget):
    buys, limits = basket

    kept = fund(buys, limits, budget)

    assert set(kept) == set(buys)
    assert sum(kept[s] * limits[s] for s in kept) <= budget
    assert all(0 <= kept[s] <= buys[s] for s in buys)


@given(basket=baskets(), budget=st.integers(min_value=0, max_value=10**10))
def test_a_cut_keeps_every_buy_within_one_share_of_its_proportional_share(basket, budget):
    buys, limits = basket
    cost = sum(buys[s] * limits[s] for s in buys)

    kept = fund(buys, limits, budget)

    if cost <= budget:
        assert kept == buys
    else:
        for s in buys:
            assert abs(kept[s] - Fraction(buys[s] * budget, cost)) < 1


def test_the_leftover_goes_to_the_largest_remainder_first_and_skips_what_does_not_fit():
    # cost 2*300 + 2*100 = 800, budget 500: f = 5/8 -> A 1.25, B 1.25; floors cost 400.
    # Equal remainders go by symbol: A's next share (300) does not fit 100, B's (100) does.
    kept = fund({"A": 2, "B": 2}, {"A": 300, "B": 100}, 500)

    assert kept == {"A": 1, "B": 2}


def test_a_buy_whose_proportional_share_is_whole_gets_no_extra_share():
    # cost 1*2 + 2*1 = 4, budget 2: f = 1/2 -> A 0.5, B exactly 1. A's next share (2) does not
    # fit the 1 left; B already has its proportional share, so the 1 stays idle.
    assert fund({"A": 1, "B": 2}, {"A": 2, "B": 1}, 2) == {"A": 0, "B": 1}
