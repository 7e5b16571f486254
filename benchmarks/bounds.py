"""Numpy lower bounds: the least arithmetic each measured path must do, with no checks.

They do the same integer arithmetic on the same arrays but skip validation, funding, skipping,
tie-break hashing, slicing and scheduling, and assume nothing overflows.
"""

from __future__ import annotations

import numpy as np

from allocator.columnar.planning import ColumnarBook


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """One exact largest-remainder split (ties by position, no hashing)."""
    whole = int(weights.sum())
    scaled = weights * total
    parts = scaled // whole
    remainders = scaled - parts * whole
    leftover = total - int(parts.sum())
    if leftover:
        parts[np.argpartition(-remainders, leftover - 1)[:leftover]] += 1
    return parts


def plan_bound(book: ColumnarBook) -> int:
    """Group-by net per symbol and one largest-remainder split per symbol; returns a checksum.

    Nets each row, groups the rows by symbol (a stable radix argsort), totals each symbol's
    buys and sells, and splits the crossed quantity over the larger side.
    """
    delta = book.target - book.holding
    by_symbol = np.argsort(book.row_symbol, kind="stable")
    bounds = np.searchsorted(book.row_symbol[by_symbol], np.arange(len(book.symbols) + 1))
    grouped = delta[by_symbol]
    checksum = 0
    for index in range(len(book.symbols)):
        run = grouped[bounds[index] : bounds[index + 1]]
        buys = run[run > 0]
        sells = -run[run < 0]
        bought, sold = int(buys.sum()), int(sells.sum())
        crossed = min(bought, sold)
        larger = buys if bought > sold else sells
        if crossed:
            checksum += int(largest_remainder(crossed, larger)[0])
    return checksum
