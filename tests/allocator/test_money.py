from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator.errors import InvalidInput
from allocator.money import average_price, format_money, from_paise, to_paise


@given(paise=st.integers(min_value=-(10**40), max_value=10**40))
def test_paise_round_trip_exactly_at_any_size(paise):
    rupees = from_paise(paise)

    assert rupees.as_tuple().exponent == -2
    assert to_paise(rupees, "x", allow_negative=True) == paise
    assert (
        format_money(rupees)
        == f"{'-' if paise < 0 else ''}{abs(paise) // 100}.{abs(paise) % 100:02d}"
    )


@given(
    value=st.integers(min_value=0, max_value=10**40),
    quantity=st.integers(min_value=1, max_value=10**13),
)
def test_average_price_is_the_half_even_rounding_of_the_exact_quotient(value, quantity):
    exact = Fraction(value, 100 * quantity)
    result = Fraction(average_price(value, quantity))

    assert abs(result - exact) <= Fraction(1, 20_000)
    assert result * 10_000 == round(exact * 10_000)  # Python's round() is half-even


def test_a_huge_average_price_rounds_from_the_exact_quotient_not_a_28_digit_one():
    # A value whose exact average is ...0.00994999... rupees: 28-digit arithmetic rounds it
    # to ...0.0100 first; exact arithmetic gives .0099.
    quantity = 10**12 - 1
    residue = ((quantity - 1) // 2 * pow(100, -1, quantity)) % quantity
    value = quantity * 10**16 + residue

    assert str(average_price(value, quantity)).endswith(".0099")


def test_sub_paisa_amounts_are_refused():
    with pytest.raises(InvalidInput, match="whole number of paise"):
        to_paise(Decimal("1.005"), "amount")


def test_floats_are_refused():
    with pytest.raises(InvalidInput, match="Decimal"):
        to_paise(1.5, "amount")  # type: ignore[arg-type]
