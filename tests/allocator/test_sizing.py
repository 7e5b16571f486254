from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from allocator import Account, Limits, PlanRequest, minimum_amount, plan, size
from allocator.errors import InvalidInput, MissingPrice, OffTick
from allocator.pricing import Rate, buy_limit, spendable
from tests.allocator.strategies import paise, quotes

SYMBOLS = ["HDFCBANK", "INFY", "ITC", "RELIANCE", "SBIN", "TCS"]


@st.composite
def smallcases(draw):
    """(weights summing exactly to 1 in basis points, prices, ticks, collar, reserve)."""
    chosen = sorted(draw(st.lists(st.sampled_from(SYMBOLS), unique=True, min_size=1)))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(1, 9_999),
                unique=True,
                min_size=len(chosen) - 1,
                max_size=len(chosen) - 1,
            )
        )
    )
    bounds = [0, *cuts, 10_000]
    weights = {s: Decimal(bounds[i + 1] - bounds[i]).scaleb(-4) for i, s in enumerate(chosen)}
    prices, ticks = draw(quotes(chosen))
    collar = draw(st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("0.025")]))
    reserve = draw(st.sampled_from([Decimal("0"), Decimal("0.00120"), Decimal("0.0035")]))
    return weights, prices, ticks, collar, reserve


def _limits(prices, ticks, collar):
    rate = Rate.of(collar, "collar")
    return {s: buy_limit(int(prices[s] * 100), int(ticks[s] * 100), rate) for s in prices}


@given(case=smallcases(), amount=st.integers(min_value=0, max_value=10**9).map(paise))
def test_sizing_never_spends_more_than_the_amount_with_its_charges_reserve(case, amount):
    weights, prices, ticks, collar, reserve = case

    result = size(
        amount=amount,
        weights=weights,
        prices=prices,
        tick_size=ticks,
        collar=collar,
        buy_charges_rate=reserve,
    )

    limits = _limits(prices, ticks, collar)
    spend = sum(q * limits[s] for s, q in result.quantities.items())
    assert Fraction(spend) * (1 + Fraction(reserve)) <= Fraction(amount) * 100
    assert result.invested <= amount
    assert result.invested + result.cash_left == amount
    assert Fraction(result.invested) * 100 == -(-Fraction(spend) * (1 + Fraction(reserve)) // 1)


@given(case=smallcases(), amount=st.integers(min_value=0, max_value=10**9).map(paise))
def test_a_sized_investment_is_never_cut_by_funding_in_the_plan(case, amount):
    weights, prices, ticks, collar, reserve = case
    result = size(
        amount=amount,
        weights=weights,
        prices=prices,
        tick_size=ticks,
        collar=collar,
        buy_charges_rate=reserve,
    )
    account = Account(account="new", targets=dict(result.quantities), cash=amount)

    planned = plan(
        PlanRequest(
            prices=prices,
            tick_size=ticks,
            accounts=[account],
            limits=Limits(orders_per_day=10**9),
            collar=collar,
            buy_charges_rate=reserve,
        )
    )

    assert planned.skipped == ()


@given(case=smallcases())
def test_the_minimum_amount_is_the_first_to_keep_every_constituent(case):
    weights, prices, ticks, collar, reserve = case
    kwargs = {
        "weights": weights,
        "prices": prices,
        "tick_size": ticks,
        "collar": collar,
        "buy_charges_rate": reserve,
    }
    minimum = minimum_amount(**kwargs)

    at_minimum = size(amount=minimum, **kwargs)
    below = size(amount=minimum - Decimal("0.01"), **kwargs)

    assert at_minimum.minimum_amount == minimum
    assert all(q >= 1 for q in at_minimum.quantities.values())
    assert any(q == 0 for q in below.quantities.values())


@given(case=smallcases(), amount=st.integers(min_value=0, max_value=10**9).map(paise))
def test_every_constituent_ends_within_half_a_share_of_its_target_unless_cash_ran_out(case, amount):
    weights, prices, ticks, collar, reserve = case

    result = size(
        amount=amount,
        weights=weights,
        prices=prices,
        tick_size=ticks,
        collar=collar,
        buy_charges_rate=reserve,
    )

    limits = _limits(prices, ticks, collar)
    budget = spendable(int(amount * 100), Rate.of(reserve, "r"))
    left = budget - sum(q * limits[s] for s, q in result.quantities.items())
    for symbol, quantity in result.quantities.items():
        target = Fraction(weights[symbol]) * budget
        value = quantity * limits[symbol]
        # Never more than half a share above target, except a single share kept to hold
        # every constituent; more than half a share short only when its next share did not fit.
        assert value - target <= Fraction(limits[symbol], 2) or quantity == 1
        assert target - value <= Fraction(limits[symbol], 2) or limits[symbol] > left


@given(case=smallcases(), amount=st.integers(min_value=1, max_value=10**9).map(paise))
def test_reported_weights_sum_exactly_to_one_when_anything_is_bought(case, amount):
    weights, prices, ticks, collar, reserve = case

    result = size(
        amount=amount,
        weights=weights,
        prices=prices,
        tick_size=ticks,
        collar=collar,
        buy_charges_rate=reserve,
    )

    assume(any(result.quantities.values()))
    assert sum(result.weights.values()) == 1


def test_contract_example_sizes_to_closest_weights_within_the_amount():
    result = size(
        amount=Decimal("50000.00"),
        weights={"INFY": Decimal("0.40"), "TCS": Decimal("0.60")},
        prices={"INFY": Decimal("1520.35"), "TCS": Decimal("3890.10")},
    )

    # Budget 50000 / 1.0012 = 49940.07; INFY at 1535.55 targets 19976.03 -> 13 shares;
    # TCS at 3929.00 targets 29964.04 -> 7 shares, its 8th would not fit.
    assert result.quantities == {"INFY": 13, "TCS": 7}
    assert result.invested == Decimal("47522.11")
    assert result.cash_left == Decimal("2477.89")
    assert result.minimum_amount == Decimal("5471.11")
    assert result.weights == {"INFY": Decimal("0.420564"), "TCS": Decimal("0.579436")}


def test_a_constituent_too_small_for_one_share_at_its_weight_still_gets_one():
    result = size(
        amount=Decimal("2000.00"),
        weights={"A": Decimal("0.01"), "B": Decimal("0.99")},
        prices={"A": Decimal("100.00"), "B": Decimal("1.00")},
        collar=Decimal("0"),
        buy_charges_rate=Decimal("0"),
    )

    assert result.quantities == {"A": 1, "B": 1900}


@pytest.mark.parametrize(
    ("weights", "prices", "error", "field"),
    [
        (
            {"A": Decimal("0.5"), "B": Decimal("0.4")},
            {"A": Decimal(1), "B": Decimal(1)},
            InvalidInput,
            "weights",
        ),
        (
            {"A": Decimal("1.0"), "B": Decimal("0")},
            {"A": Decimal(1), "B": Decimal(1)},
            InvalidInput,
            "weights.B",
        ),
        ({"A": Decimal("1")}, {}, MissingPrice, "prices.A"),
        ({"A": Decimal("1")}, {"A": Decimal("10.001")}, InvalidInput, "prices.A"),
        ({}, {}, InvalidInput, "weights"),
    ],
)
def test_bad_smallcases_are_refused_naming_the_field(weights, prices, error, field):
    with pytest.raises(error) as raised:
        size(amount=Decimal("1000.00"), weights=weights, prices=prices)

    assert raised.value.field == field


def test_an_off_tick_price_is_refused():
    with pytest.raises(OffTick, match=r"prices\.A"):
        size(
            amount=Decimal(100),
            weights={"A": Decimal(1)},
            prices={"A": Decimal("10.03")},
            tick_size={"A": Decimal("0.05")},
        )


def test_a_float_amount_is_refused():
    with pytest.raises(InvalidInput, match="amount"):
        size(amount=100.0, weights={"A": Decimal(1)}, prices={"A": Decimal(10)})  # type: ignore[arg-type]
