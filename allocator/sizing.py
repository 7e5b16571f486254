"""Whole-share sizing of a smallcase investment, and its minimum amount.

The rule, applied with exact integer arithmetic in paise:

1. Every constituent is costed at its buy limit price ``L`` (reference price plus the collar,
   down to the tick), and the basket must satisfy ``sum(q * L) * (1 + reserve) <= amount``,
   the very test that funding in `allocator.planning` applies, so a full investment is never cut.
   ``B = floor(amount / (1 + reserve))`` is the spendable budget.
2. If one share of every constituent fits in ``B``, every constituent is kept: a constituent
   whose weighted share of the budget is below one share gets exactly one, the others share what
   remains in proportion to their weights (repeated until stable), each rounded down.
   Otherwise each constituent gets ``floor(w * B / L)``, which may be 0.
3. The cash left by rounding down is spent one share at a time on the constituent furthest
   below its target value ``T = w * B`` (in rupees; ties by symbol) whose next share still fits
   and brings it closer to its target (it is more than half a share short), until no share
   does. So every constituent ends at most half a share above its target (except a single
   share kept by step 2), and one that ends more than half a share below it could not afford
   its next share.

The minimum amount is the smallest amount (in paise) that buys one share of every constituent:
``ceil(sum(L) * (1 + reserve))``; from it on, step 2 keeps every constituent.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from allocator.apportion import split
from allocator.constants import CHARGES_RESERVE, DEFAULT_COLLAR
from allocator.errors import InvalidInput, MissingPrice
from allocator.money import from_paise, to_paise
from allocator.pricing import DEFAULT_TICK, Rate, buy_limit, price_paise, spendable, tick_paise
from allocator.pricing import with_reserve_ceil as _with_reserve

WEIGHT_PLACES = 6
_WEIGHT_UNITS = 10**WEIGHT_PLACES


@dataclass(frozen=True, slots=True, kw_only=True)
class Sizing:
    """Whole-share quantities for an amount, and what they cost.

    `invested` is ``ceil(sum(q * L) * (1 + reserve))``, the cash to earmark for the basket;
    `weights` are the basket's weights at the limit prices, six decimals, summing exactly to 1
    (all 0 when nothing is bought).
    """

    quantities: Mapping[str, int]
    invested: Decimal
    cash_left: Decimal
    minimum_amount: Decimal
    weights: Mapping[str, Decimal]


def size(
    *,
    amount: Decimal,
    weights: Mapping[str, Decimal],
    prices: Mapping[str, Decimal],
    tick_size: Mapping[str, Decimal] | None = None,
    collar: Decimal = DEFAULT_COLLAR,
    buy_charges_rate: Decimal = CHARGES_RESERVE,
) -> Sizing:
    """Size an investment of `amount` rupees in a smallcase with `weights` (see module doc)."""
    budget_total = to_paise(amount, "amount")
    reserve = Rate.of(buy_charges_rate, "buy_charges_rate")
    symbols, numerators, limits = _basket(weights, prices, tick_size or {}, collar)
    quantities = _quantities(spendable(budget_total, reserve), numerators, limits)
    spend = sum(q * lim for q, lim in zip(quantities, limits, strict=True))
    invested = _with_reserve(spend, reserve)
    value_weights = split(
        _WEIGHT_UNITS if spend else 0,
        [q * lim for q, lim in zip(quantities, limits, strict=True)],
        symbols,
        "weights",
    )
    return Sizing(
        quantities=dict(zip(symbols, quantities, strict=True)),
        invested=from_paise(invested),
        cash_left=from_paise(budget_total - invested),
        minimum_amount=from_paise(_with_reserve(sum(limits), reserve)),
        weights={
            s: Decimal(w).scaleb(-WEIGHT_PLACES)
            for s, w in zip(symbols, value_weights, strict=True)
        },
    )


def minimum_amount(
    *,
    weights: Mapping[str, Decimal],
    prices: Mapping[str, Decimal],
    tick_size: Mapping[str, Decimal] | None = None,
    collar: Decimal = DEFAULT_COLLAR,
    buy_charges_rate: Decimal = CHARGES_RESERVE,
) -> Decimal:
    """The smallest amount that buys at least one share of every constituent."""
    reserve = Rate.of(buy_charges_rate, "buy_charges_rate")
    _, _, limits = _basket(weights, prices, tick_size or {}, collar)
    return from_paise(_with_reserve(sum(limits), reserve))


def _basket(
    weights: Mapping[str, Decimal],
    prices: Mapping[str, Decimal],
    ticks: Mapping[str, Decimal],
    collar: Decimal,
) -> tuple[list[str], list[int], list[int]]:
    """Validate a smallcase: sorted symbols, integer weight numerators, buy limits in paise."""
    if not weights:
        raise InvalidInput("weights", "a smallcase needs at least one constituent")
    collar_rate = Rate.of(collar, "collar", below_one=True)
    symbols = sorted(weights)
    ratios = []
    for symbol in symbols:
        weight = weights[symbol]
        field = f"weights.{symbol}"
        if not isinstance(weight, Decimal) or not weight.is_finite() or weight <= 0:
            raise InvalidInput(field, f"weight must be a positive decimal, was {weight!r}")
        ratios.append(weight.as_integer_ratio())
    denominator = math.lcm(*(den for _, den in ratios))
    numerators = [num * (denominator // den) for num, den in ratios]
    if sum(numerators) != denominator:
        total = sum((weights[s] for s in symbols), Decimal(0))
        raise InvalidInput("weights", f"must sum exactly to 1, sum to {total}")
    limits = []
    for symbol in symbols:
        if symbol not in prices:
            raise MissingPrice(f"prices.{symbol}", "no price for a constituent")
        tick = tick_paise(ticks.get(symbol, DEFAULT_TICK), f"tick_size.{symbol}")
        price = price_paise(prices[symbol], tick, f"prices.{symbol}")
        limits.append(buy_limit(price, tick, collar_rate))
    return symbols, numerators, limits


def _quantities(budget: int, numerators: list[int], limits: list[int]) -> list[int]:
    """Steps 2 and 3 of the module rule, over weights ``numerators[i] / sum(numerators)``."""
    whole = sum(numerators)
    count = len(limits)
    if sum(limits) <= budget:
        fixed = [False] * count
        while True:
            rest_budget = budget - sum(lim for lim, f in zip(limits, fixed, strict=True) if f)
            rest_weight = sum(n for n, f in zip(numerators, fixed, strict=True) if not f)
            newly = [
                i
                for i in range(count)
                if not fixed[i] and numerators[i] * rest_budget < limits[i] * rest_weight
            ]
            if not newly:
                break
            for i in newly:
                fixed[i] = True
        quantities = [
            1 if fixed[i] else numerators[i] * rest_budget // (limits[i] * rest_weight)
            for i in range(count)
        ]
    else:
        quantities = [numerators[i] * budget // (limits[i] * whole) for i in range(count)]
    left = budget - sum(q * lim for q, lim in zip(quantities, limits, strict=True))
    # Shortfall below target, scaled by `whole`: w*B - q*L  ->  n*B - q*L*whole.
    heap = [
        (-(numerators[i] * budget - quantities[i] * limits[i] * whole), i) for i in range(count)
    ]
    heapq.heapify(heap)
    while heap:
        negative_shortfall, i = heapq.heappop(heap)
        if limits[i] > left or -2 * negative_shortfall <= limits[i] * whole:
            continue  # never fits, or never helps, again: both only shrink
        quantities[i] += 1
        left -= limits[i]
        heapq.heappush(heap, (negative_shortfall + limits[i] * whole, i))
    return quantities
