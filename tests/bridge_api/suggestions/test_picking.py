"""Choosing and weighting: exact weights summing to 100 under the smallcase rules."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bridge_api.smallcases.validation import HUNDRED, check_composition
from bridge_api.suggestions.picking import UNIT, exact_weights

symbols = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ&", min_size=1, max_size=10)
raw = st.dictionaries(
    symbols, st.floats(min_value=1e-6, max_value=1e6, allow_nan=False), min_size=1, max_size=50
)


class _Weight:
    def __init__(self, symbol: str, weight: Decimal) -> None:
        self.symbol, self.weight = symbol, weight


@given(raw)
def test_weights_sum_exactly_to_100_in_steps_the_rules_allow(values):
    weights = exact_weights(values)

    assert set(weights) == set(values)
    assert sum(weights.values(), Decimal(0)) == HUNDRED
    assert all(w >= UNIT and w % UNIT == 0 for w in weights.values())
    check_composition([_Weight(s, w) for s, w in weights.items()], set(values))


@given(raw)
def test_weights_follow_the_raw_proportions_within_a_unit_or_two(values):
    weights = exact_weights(values)
    total = sum(values.values())

    for symbol, value in values.items():
        exact = Decimal(value / total * 100)
        assert abs(weights[symbol] - exact) <= Decimal("0.0001") * len(values) + Decimal("0.0002")


def test_equal_raw_weights_split_100_evenly_where_they_can():
    assert exact_weights({"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0}) == dict.fromkeys(
        "ABCD", Decimal("25.0000")
    )
    three = exact_weights({"A": 2.0, "B": 2.0, "C": 2.0})
    assert sorted(three.values()) == [Decimal("33.3333"), Decimal("33.3333"), Decimal("33.3334")]
