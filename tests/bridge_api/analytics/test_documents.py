"""Money in Indian grouping: exact to the paisa, grouped in lakhs and crores."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from bridge_api.formats import rupees


def test_known_amounts():
    assert rupees(Decimal("0")) == "₹0.00"
    assert rupees(Decimal("999.995")) == "₹1,000.00"
    assert rupees(Decimal("123456.78")) == "₹1,23,456.78"
    assert rupees(Decimal("-12345678.9")) == "-₹1,23,45,678.90"
    assert rupees(Decimal("100000")) == "₹1,00,000.00"
    assert rupees(Decimal("-0.004")) == "₹0.00"


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False))
def test_the_text_reads_back_as_the_amount_rounded_to_the_paisa(amount: Decimal):
    text = rupees(amount)

    digits = text.replace("₹", "").replace(",", "")
    assert Decimal(digits) == amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = text.lstrip("-₹").split(".")[0].split(",")
    assert len(whole[-1]) <= 3
    assert all(len(group) == 2 for group in whole[1:-1])
    assert len(whole[0]) <= 2 or len(whole) == 1
