"""Each participant's full target position after a batch, from its intents (pure).

The rules, per subscription:

- an exit sells everything: every held symbol's target is 0;
- an accepted rebalance re-sizes the whole book (holdings at the reference prices plus its
  cash) into the new version's weights with `allocator.size`; held symbols that left the
  smallcase go to 0;
- otherwise investments and top-ups add `allocator.size(amount)` of the followed version to
  the current holdings;
- direct buys and sells add and subtract their quantities.

Every held symbol appears in the targets, as the allocator requires. `target_positions` gives
the same targets for many subscriptions at once, sizing all those that follow one version in a
single call of `allocator.columnar.size_columnar`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from allocator import size
from allocator.columnar.sizing import size_columnar
from bridge_api.db.models import IntentKind


@dataclass(frozen=True, slots=True)
class Request:
    """One intent, reduced to what sizing needs."""

    kind: IntentKind
    amount: Decimal | None = None
    symbol: str | None = None
    quantity: int | None = None


@dataclass(frozen=True, slots=True)
class Pricing:
    """Reference prices and ticks, and the sizing collar and charges reserve."""

    prices: Mapping[str, Decimal]
    ticks: Mapping[str, Decimal]
    collar: Decimal
    reserve: Decimal


def target_position(
    holdings: Mapping[str, int],
    cash: Decimal,
    requests: Sequence[Request],
    weights: Mapping[str, Decimal] | None,
    pricing: Pricing,
    *,
    sized: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """The subscription's targets for every symbol it holds or will hold (see module doc).

    `weights` are fractions of 1 of the version to follow (the new one for a rebalance);
    `sized` is what `allocator.size` gives this subscription's amount, when already known.
    """
    kinds = {r.kind for r in requests}
    targets = dict(holdings)
    if IntentKind.EXIT in kinds:
        return dict.fromkeys(holdings, 0)
    if IntentKind.REBALANCE in kinds and weights:
        if sized is None:
            value = cash + sum((pricing.prices[s] * q for s, q in holdings.items()), Decimal(0))
            sized = _size(value.quantize(Decimal("0.01")), weights, pricing)
        return {s: sized.get(s, 0) for s in sorted(set(holdings) | set(sized))}
    amount = sum(
        (
            r.amount or Decimal(0)
            for r in requests
            if r.kind in (IntentKind.INVEST, IntentKind.TOPUP)
        ),
        Decimal(0),
    )
    if amount and weights:
        bought = _size(amount, weights, pricing) if sized is None else sized
        for symbol, quantity in bought.items():
            targets[symbol] = targets.get(symbol, 0) + quantity
    for request in requests:
        if (
            request.kind in (IntentKind.BUY, IntentKind.SELL)
            and request.symbol
            and request.quantity
        ):
            sign = 1 if request.kind is IntentKind.BUY else -1
            targets[request.symbol] = targets.get(request.symbol, 0) + sign * request.quantity
    return {s: max(q, 0) for s, q in sorted(targets.items())}


@dataclass(frozen=True, slots=True)
class Position:
    """One subscription's input to `target_position`."""

    holdings: Mapping[str, int]
    cash: Decimal
    requests: Sequence[Request]
    weights: Mapping[str, Decimal] | None


def target_positions(positions: Sequence[Position], pricing: Pricing) -> list[dict[str, int]]:
    """`target_position` of every position, in order; the sizing of all positions that share a
    `weights` mapping (the same object: one per version followed) is one columnar call."""
    amounts: list[Decimal | None] = []
    for p in positions:
        kinds = {r.kind for r in p.requests}
        amount: Decimal | None = None
        if IntentKind.EXIT in kinds or not p.weights:
            amount = None
        elif IntentKind.REBALANCE in kinds:
            value = p.cash + sum((pricing.prices[s] * q for s, q in p.holdings.items()), Decimal(0))
            amount = value.quantize(Decimal("0.01"))
        else:
            added = sum(
                (
                    r.amount or Decimal(0)
                    for r in p.requests
                    if r.kind in (IntentKind.INVEST, IntentKind.TOPUP)
                ),
                Decimal(0),
            )
            amount = added or None
        amounts.append(amount)
    groups: dict[int, tuple[Mapping[str, Decimal], list[int]]] = {}
    for index, (p, amount) in enumerate(zip(positions, amounts, strict=True)):
        if amount is not None and p.weights:
            groups.setdefault(id(p.weights), (p.weights, []))[1].append(index)
    sized: dict[int, dict[str, int]] = {}
    for weights, members in groups.values():
        symbols, table = size_columnar(
            amounts=[amounts[i] or Decimal(0) for i in members],
            weights=weights,
            prices={s: pricing.prices[s] for s in weights},
            tick_size={s: pricing.ticks[s] for s in weights},
            collar=pricing.collar,
            buy_charges_rate=pricing.reserve,
        )
        for index, row in zip(members, table.tolist(), strict=True):
            sized[index] = dict(zip(symbols, row, strict=True))
    return [
        target_position(p.holdings, p.cash, p.requests, p.weights, pricing, sized=sized.get(i))
        for i, p in enumerate(positions)
    ]


def _size(amount: Decimal, weights: Mapping[str, Decimal], pricing: Pricing) -> dict[str, int]:
    sized = size(
        amount=amount,
        weights=weights,
        prices={s: pricing.prices[s] for s in weights},
        tick_size={s: pricing.ticks[s] for s in weights},
        collar=pricing.collar,
        buy_charges_rate=pricing.reserve,
    )
    return dict(sized.quantities)
