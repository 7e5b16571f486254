from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator import size
from allocator.columnar.sizing import quantities_columnar, size_columnar
from allocator.errors import InvalidInput
from allocator.sizing import _quantities
from tests.allocator.strategies import paise
from tests.allocator.test_sizing import smallcases

# Small amounts (a few shares), everyday ones, and ones large enough to leave the int64 path.
_AMOUNTS = st.one_of(st.integers(0, 500_000), st.integers(0, 10**9), st.integers(0, 10**15)).map(
    paise
)


@settings(max_examples=300)
@given(case=smallcases(), amounts=st.lists(_AMOUNTS, max_size=12))
def test_columnar_sizing_equals_the_scalar_sizing_of_each_amount(case, amounts):
    weights, prices, ticks, collar, reserve = case

    symbols, quantities = size_columnar(
        amounts=amounts,
        weights=weights,
        prices=prices,
        tick_size=ticks,
        collar=collar,
        buy_charges_rate=reserve,
    )

    assert symbols == tuple(sorted(weights))
    assert quantities.shape == (len(amounts), len(symbols))
    for amount, row in zip(amounts, quantities.tolist(), strict=True):
        scalar = size(
            amount=amount,
            weights=weights,
            prices=prices,
            tick_size=ticks,
            collar=collar,
            buy_charges_rate=reserve,
        )
        assert dict(zip(symbols, row, strict=True)) == dict(scalar.quantities)


@given(
    numerators=st.lists(st.integers(1, 50), min_size=1, max_size=8),
    data=st.data(),
)
def test_columnar_quantities_equal_the_scalar_rule_with_equal_weights_and_ties(numerators, data):
    # Equal limits and weights tie the shortfalls: the first symbol must win, as in the heap.
    limits = data.draw(
        st.lists(
            st.sampled_from([100, 105, 5_000]), min_size=len(numerators), max_size=len(numerators)
        )
    )
    budgets = data.draw(st.lists(st.integers(0, 200_000), max_size=20))

    result = quantities_columnar(budgets, numerators, limits)

    assert result.tolist() == [_quantities(b, numerators, limits) for b in budgets]


def test_a_negative_amount_is_refused_as_the_scalar_sizing_refuses_it():
    with pytest.raises(InvalidInput, match="amount"):
        size_columnar(
            amounts=[Decimal("10.00"), Decimal("-1.00")],
            weights={"INFY": Decimal(1)},
            prices={"INFY": Decimal("100.00")},
        )


def test_no_amounts_give_an_empty_table():
    symbols, quantities = size_columnar(
        amounts=[], weights={"INFY": Decimal(1)}, prices={"INFY": Decimal("100.00")}
    )
    assert symbols == ("INFY",)
    assert quantities.shape == (0, 1)
    assert quantities.dtype == np.int64
