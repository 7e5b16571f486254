"""Cutting one account's buys so that they fit its own cash.

An account's buys cost ``sum(q * L)`` at their buy limit prices ``L``; with the charges reserve
they must fit its cash, i.e. ``sum(q * L) <= spendable(cash)``. When they do not, the rule is:

1. scale every buy by the same factor ``f = spendable / cost`` and round down:
   ``kept = floor(q * f)``;
2. take the buys with a fractional part of ``q * f`` in order of the largest (ties by symbol)
   and give each, in one pass, one more share if that share still fits (a buy whose
   proportional share is whole already has it).

Every kept quantity is within one share of its proportional share and never above the buy.
"""

from __future__ import annotations

from collections.abc import Mapping


def fund(buys: Mapping[str, int], limits: Mapping[str, int], budget: int) -> dict[str, int]:
    """Quantities kept from `buys` (symbol -> shares) so that they cost at most `budget` paise.

    `limits` gives each symbol's buy limit price in paise. Returns every symbol of `buys`.
    """
    cost = sum(quantity * limits[symbol] for symbol, quantity in buys.items())
    if cost <= budget:
        return dict(buys)
    kept: dict[str, int] = {}
    remainders: dict[str, int] = {}
    for symbol, quantity in buys.items():
        kept[symbol], remainders[symbol] = divmod(quantity * budget, cost)
    left = budget - sum(kept[s] * limits[s] for s in kept)
    for symbol in sorted(kept, key=lambda s: (-remainders[s], s)):
        if remainders[symbol] and limits[symbol] <= left and kept[symbol] < buys[symbol]:
            kept[symbol] += 1
            left -= limits[symbol]
    return kept
