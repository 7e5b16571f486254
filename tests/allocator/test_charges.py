from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator import Side, Trade, delivery_charges, rates_on
from allocator.errors import InvalidInput
from tests.allocator.strategies import paise

DAY = date(2026, 11, 25)


def test_a_one_lakh_round_trip_costs_what_the_reference_worked_example_says():
    trades = [
        Trade(symbol="INFY", side=Side.BUY, quantity=100, price=Decimal("1000.00")),
        Trade(symbol="INFY", side=Side.SELL, quantity=100, price=Decimal("1000.00")),
    ]

    charges = delivery_charges(DAY, trades).rupees()

    assert charges == {
        "stt": Decimal("200.00"),
        "exchange": Decimal("5.94"),
        "sebi": Decimal("0.20"),
        "stamp": Decimal("15.00"),
        "gst": Decimal("1.11"),
        "dp": Decimal("15.34"),
        "total": Decimal("237.59"),
    }


def test_stt_and_stamp_are_rounded_to_the_rupee_per_scrip():
    # Each scrip: STT 0.1% of 700 = 0.70 -> 1; stamp 0.015% of 700 = 0.105 -> 0.
    trades = [
        Trade(symbol=s, side=Side.BUY, quantity=7, price=Decimal("100.00")) for s in ("A", "B")
    ]

    charges = delivery_charges(DAY, trades)

    assert charges.stt == 200
    assert charges.stamp == 0


def test_dp_is_charged_once_per_scrip_sold_that_day():
    trades = [
        Trade(symbol="A", side=Side.SELL, quantity=1, price=Decimal("10.00")),
        Trade(symbol="A", side=Side.SELL, quantity=2, price=Decimal("10.00")),
        Trade(symbol="B", side=Side.SELL, quantity=1, price=Decimal("10.00")),
        Trade(symbol="C", side=Side.BUY, quantity=1, price=Decimal("10.00")),
    ]

    assert delivery_charges(DAY, trades).dp == 2 * 1534


@given(
    trades=st.lists(
        st.builds(
            Trade,
            symbol=st.sampled_from(["A", "B", "C"]),
            side=st.sampled_from(list(Side)),
            quantity=st.integers(min_value=1, max_value=10_000),
            price=st.integers(min_value=1, max_value=5_000_000).map(paise),
        ),
        max_size=10,
    )
)
def test_the_total_is_the_exact_sum_of_the_components_and_stamp_is_only_on_buys(trades):
    charges = delivery_charges(DAY, trades)

    assert charges.total == sum(charges.components().values())
    if all(t.side is Side.SELL for t in trades):
        assert charges.stamp == 0
    if all(t.side is Side.BUY for t in trades):
        assert charges.dp == 0


def test_a_date_before_the_rate_table_is_refused():
    with pytest.raises(InvalidInput, match="no charge rates before 2024-10-01"):
        rates_on(date(2024, 9, 30))


def test_a_trade_of_no_shares_is_refused():
    with pytest.raises(InvalidInput, match=r"trades\[0\]\.quantity"):
        delivery_charges(DAY, [Trade(symbol="A", side=Side.BUY, quantity=0, price=Decimal(1))])
