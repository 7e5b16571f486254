"""Rupees as `Decimal` at the edges, integer paise inside.

Every amount the allocator computes with is an integer number of paise; this module is the only
place that crosses between the two, and it refuses anything that is not already exact.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from allocator.errors import InvalidInput

PAISE_PER_RUPEE = 100
_TWO_PLACES = Decimal("0.01")
_FOUR_PLACES = Decimal("0.0001")


def require_decimal(value: object, field: str) -> Decimal:
    """Return `value` if it is a finite `Decimal`; floats and everything else are refused."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(field, f"expected a finite Decimal, got {value!r}")
    return value


def to_paise(amount: Decimal, field: str, *, allow_negative: bool = False) -> int:
    """Convert rupees to paise exactly.

    Raises
    ------
    InvalidInput
        If `amount` is not a Decimal, is negative (unless allowed), or has a fraction of a paisa.
    """
    require_decimal(amount, field)
    if amount < 0 and not allow_negative:
        raise InvalidInput(field, f"must not be negative, was {amount}")
    paise = amount * PAISE_PER_RUPEE
    if paise != paise.to_integral_value():
        raise InvalidInput(field, f"{amount} is not a whole number of paise")
    return int(paise)


def from_paise(paise: int) -> Decimal:
    """Rupees with exactly two decimals: ``from_paise(150) == Decimal("1.50")``."""
    return Decimal(paise).scaleb(-2)


def average_price(value_paise: int, quantity: int) -> Decimal:
    """Value over quantity in rupees, four decimals, half-even; ``0.0000`` for no shares."""
    if quantity == 0:
        return Decimal("0.0000")
    return (Decimal(value_paise) / (quantity * PAISE_PER_RUPEE)).quantize(
        _FOUR_PLACES, rounding=ROUND_HALF_EVEN
    )


def format_money(amount: Decimal) -> str:
    """Render rupees with exactly two decimals (the amount must already be whole paise)."""
    return str(amount.quantize(_TWO_PLACES))
