"""Rupees as `Decimal` at the edges, integer paise inside.

Every amount the allocator computes with is an integer number of paise; this module is the only
place that crosses between the two, and it refuses anything that is not already exact.
"""

from __future__ import annotations

from decimal import Decimal

from allocator.errors import InvalidInput

PAISE_PER_RUPEE = 100


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
    numerator, denominator = amount.as_integer_ratio()
    paise, rest = divmod(numerator * PAISE_PER_RUPEE, denominator)
    if rest:
        raise InvalidInput(field, f"{amount} is not a whole number of paise")
    return paise


def scaled(units: int, places: int) -> Decimal:
    """``units / 10**places`` as a Decimal with exactly `places` decimals, at any size.

    Built from its digits, so no Decimal context can round it.
    """
    digits = str(abs(units)).rjust(places + 1, "0")
    return Decimal((1 if units < 0 else 0, tuple(int(d) for d in digits), -places))


def from_paise(paise: int) -> Decimal:
    """Rupees with exactly two decimals: ``from_paise(150) == Decimal("1.50")``."""
    return scaled(paise, 2)


def average_price(value_paise: int, quantity: int) -> Decimal:
    """Value over quantity in rupees, four decimals, half-even; ``0.0000`` for no shares.

    Computed in integers (ten-thousandths of a rupee), so it is exact at any size.
    """
    if quantity == 0:
        return scaled(0, 4)
    units, rest = divmod(value_paise * 100, quantity)
    if 2 * rest > quantity or (2 * rest == quantity and units % 2):
        units += 1
    return scaled(units, 4)


def format_money(amount: Decimal) -> str:
    """Render rupees with exactly two decimals (the amount must already be whole paise)."""
    return f"{amount:.2f}"
