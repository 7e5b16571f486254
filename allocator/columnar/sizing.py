"""Whole-share sizing of many amounts in one smallcase over numpy arrays, with results
identical to `allocator.size` (the rule is in `allocator.sizing`'s module doc).

One row per amount, one column per constituent (symbols sorted). Budgets and limit prices are
int64 paise, weights integer numerators over their sum. The scalar rule's two loops run over
every row at once: step 2's "fix at one share until stable" as repeated masked passes, step 3's
heap as repeated arg-max passes over the shares that still fit and help (a share that stops
fitting or helping never does again, so the heap's pop order is the arg-max, ties to the first
symbol). Rows whose products could leave int64 are sized by the scalar function instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np

from allocator.columnar.intmath import Int64Array
from allocator.constants import CHARGES_RESERVE, DEFAULT_COLLAR
from allocator.money import to_paise
from allocator.pricing import Rate, spendable
from allocator.sizing import _basket, _quantities

_SAFE = 2**63
"""Every product of the rule is at most ``2 * whole * max(budget, sum of limits)``: rows
whose bound, with a factor 2 of headroom, reaches this are sized by the scalar rule."""


def size_columnar(
    *,
    amounts: Sequence[Decimal],
    weights: Mapping[str, Decimal],
    prices: Mapping[str, Decimal],
    tick_size: Mapping[str, Decimal] | None = None,
    collar: Decimal = DEFAULT_COLLAR,
    buy_charges_rate: Decimal = CHARGES_RESERVE,
) -> tuple[tuple[str, ...], Int64Array]:
    """The sorted symbols and, per amount, the quantities `allocator.size` gives it: an int64
    array of shape ``(len(amounts), len(symbols))``. Validates as `size` does."""
    budgets = [to_paise(a, "amount") for a in amounts]
    reserve = Rate.of(buy_charges_rate, "buy_charges_rate")
    symbols, numerators, limits = _basket(weights, prices, tick_size or {}, collar)
    spend = [spendable(b, reserve) for b in budgets]
    return tuple(symbols), quantities_columnar(spend, numerators, limits)


def quantities_columnar(
    budgets: Sequence[int], numerators: Sequence[int], limits: Sequence[int]
) -> Int64Array:
    """`allocator.sizing._quantities` for every budget (paise) at once: shape
    ``(len(budgets), len(limits))``."""
    count = len(limits)
    result = np.zeros((len(budgets), count), dtype=np.int64)
    if not len(budgets):
        return result
    whole = sum(numerators)
    floor = max(sum(limits), 1)
    fits = [4 * whole * (max(abs(b), floor) + 1) < _SAFE for b in budgets]
    fast = np.array(fits, dtype=bool)
    for index in np.flatnonzero(~fast).tolist():
        result[index] = _quantities(int(budgets[index]), list(numerators), list(limits))
    if fast.any():
        chosen = np.array([b for b, ok in zip(budgets, fits, strict=True) if ok], dtype=np.int64)
        result[fast] = _vectorised(
            chosen,
            np.array(numerators, dtype=np.int64),
            np.array(limits, dtype=np.int64),
        )
    return result


def _vectorised(budget: Int64Array, numerator: Int64Array, limit: Int64Array) -> Int64Array:
    whole = int(numerator.sum())
    quantity = numerator * budget[:, None] // (limit * whole)  # step 2, when not all fit
    full = np.flatnonzero(int(limit.sum()) <= budget)
    if full.size:
        quantity[full] = _keep_every_constituent(budget[full], numerator, limit)
    left = budget - (quantity * limit).sum(axis=1)
    # Shortfall below target, scaled by `whole`: n*B - q*L*whole.
    shortfall = numerator * budget[:, None] - quantity * limit * whole
    active = np.arange(budget.size)
    floor = np.iinfo(np.int64).min
    while active.size:
        short = shortfall[active]
        eligible = (limit <= left[active, None]) & (2 * short > limit * whole)
        some = eligible.any(axis=1)
        active, short, eligible = active[some], short[some], eligible[some]
        if not active.size:
            break
        pick = np.argmax(np.where(eligible, short, floor), axis=1)
        quantity[active, pick] += 1
        left[active] -= limit[pick]
        shortfall[active, pick] -= limit[pick] * whole
    return quantity


def _keep_every_constituent(
    budget: Int64Array, numerator: Int64Array, limit: Int64Array
) -> Int64Array:
    """Step 2 when one share of each fits: fix at one share those below a share, until stable."""
    fixed = np.zeros((budget.size, limit.size), dtype=bool)
    while True:
        rest_budget = budget - (fixed * limit).sum(axis=1)
        rest_weight = int(numerator.sum()) - (fixed * numerator).sum(axis=1)
        newly = ~fixed & (numerator * rest_budget[:, None] < limit * rest_weight[:, None])
        if not newly.any():
            break
        fixed |= newly
    divisor = limit * np.maximum(rest_weight, 1)[:, None]
    quantity: Int64Array = np.where(fixed, 1, numerator * rest_budget[:, None] // divisor)
    return quantity
