"""Input checks shared by the allocator's public functions; each names the field and value."""

from __future__ import annotations

from decimal import Decimal

from allocator.errors import InvalidInput
from allocator.money import to_paise


def require_count(field: str, value: object, *, minimum: int) -> int:
    """`value` as a whole number of at least `minimum` (booleans are not numbers here)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidInput(field, f"must be a whole number >= {minimum}, was {value!r}")
    return value


def require_new_name(field: str, value: object, seen: set[str]) -> str:
    """`value` as a non-empty printable string not in `seen`, which it is then added to."""
    if not isinstance(value, str) or not value or not value.isprintable():
        raise InvalidInput(field, f"must be a non-empty printable string, was {value!r}")
    if value in seen:
        raise InvalidInput(field, f"duplicate {value!r}")
    seen.add(value)
    return value


def positive_paise(field: str, amount: Decimal) -> int:
    """A strictly positive amount of rupees, in paise."""
    paise = to_paise(amount, field, allow_negative=True)
    if paise <= 0:
        raise InvalidInput(field, f"must be positive, was {amount}")
    return paise
