"""Slicing an order under the broker's per-order quantity and value caps."""

from __future__ import annotations


def slice_cap(max_quantity: int, max_value: int, limit_price: int) -> int:
    """Largest slice allowed: ``min(max_quantity, floor(max_value / limit_price))``."""
    return min(max_quantity, max_value // limit_price)


def slice_sizes(quantity: int, cap: int) -> list[int]:
    """The fewest slices of at most `cap` shares, as equal as possible, larger ones first.

    ``ceil(quantity / cap)`` slices whose sizes differ by at most one share.
    """
    if quantity <= 0:
        return []
    count = -(-quantity // cap)
    base, extra = divmod(quantity, count)
    return [base + 1] * extra + [base] * (count - extra)
