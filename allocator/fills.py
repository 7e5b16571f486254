"""Allocating a final order's fills across its pre-trade statement.

Run once per order, when it is final (filled, cancelled, rejected or expired), over all of its
fills, so that every participant gets the same average price and rounding never drifts:

- shares: ``F`` filled shares split pro rata to the requested quantities by largest remainder
  (`allocator.apportion.split`, seeded with the order id): each participant within one share of
  its exact share, never above what it asked for;
- value: the order's traded value ``V`` split pro rata to the shares, to the paisa, so every
  participant pays the order's volume-weighted average price and the values sum exactly to V;
- charges: each component split pro rata to the values, to the paisa, summing exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from allocator.apportion import split
from allocator.charges import COMPONENTS, split_charges
from allocator.checks import positive_paise, require_count, require_new_name
from allocator.domain import Allocation, Charges, Fill, OrderAllocation, Participant
from allocator.errors import DuplicateTrade, InvalidInput, OverFill
from allocator.money import average_price, from_paise, to_paise

TOTAL = "total"


def allocate(
    *,
    order_id: str,
    participants: Sequence[Participant],
    fills: Sequence[Fill],
    charges: Charges = Decimal("0.00"),
) -> OrderAllocation:
    """Split a final order's fills, value and charges across its statement.

    Parameters
    ----------
    order_id
        The order's id; it seeds the tie-break, so no account wins every tie.
    participants
        The pre-trade statement: each account and the shares it asked for (at least 1).
    fills
        Every fill of the order, each with a distinct trade id.
    charges
        The order's charges, as one total or as named components; the result mirrors its shape.

    Raises
    ------
    OverFill
        If the fills exceed the statement.
    DuplicateTrade
        If a trade id repeats.
    InvalidInput
        For any malformed participant, fill or charge.
    """
    accounts, requested = _statement(participants)
    filled, value = _fills(fills)
    if filled > sum(requested):
        raise OverFill(
            "fills",
            f"{filled} shares filled, more than the {sum(requested)} the statement asks for",
        )
    amounts, shape = _charges(charges)
    if value == 0 and any(amounts.values()):
        raise InvalidInput("charges", f"{charges} charged, but nothing was filled")

    shares = split(filled, requested, accounts, order_id)
    values = split(value, shares, accounts, order_id)
    parts = (
        split_charges(amounts, values, accounts, order_id)
        if value
        else [dict.fromkeys(amounts, 0) for _ in accounts]
    )
    allocations = tuple(
        Allocation(
            account=account,
            quantity=shares[i],
            unfilled=requested[i] - shares[i],
            value=from_paise(values[i]),
            average_price=average_price(values[i], shares[i]),
            charges=_shaped(parts[i], shape, charges),
        )
        for i, account in enumerate(accounts)
    )
    return OrderAllocation(
        filled=filled,
        unfilled=sum(requested) - filled,
        value=from_paise(value),
        average_price=average_price(value, filled),
        charges=_shaped(amounts, shape, charges),
        allocations=allocations,
    )


def _statement(participants: Sequence[Participant]) -> tuple[list[str], list[int]]:
    if not participants:
        raise InvalidInput("participants", "an order needs at least one participant")
    ordered = sorted(participants, key=lambda p: p.account)
    seen: set[str] = set()
    for index, participant in enumerate(participants):
        where = f"participants[{index}]"
        require_new_name(f"{where}.account", participant.account, seen)
        require_count(f"{where}.quantity", participant.quantity, minimum=1)
    return [p.account for p in ordered], [p.quantity for p in ordered]


def _fills(fills: Sequence[Fill]) -> tuple[int, int]:
    """Total shares and total value in paise, after checking every fill."""
    seen: set[str] = set()
    filled = value = 0
    for index, fill in enumerate(fills):
        where = f"fills[{index}]"
        if fill.trade_id in seen:
            raise DuplicateTrade(f"{where}.trade_id", f"trade {fill.trade_id!r} appears twice")
        require_new_name(f"{where}.trade_id", fill.trade_id, seen)
        require_count(f"{where}.quantity", fill.quantity, minimum=1)
        price = positive_paise(f"{where}.price", fill.price)
        if fill.time.tzinfo is None:
            raise InvalidInput(f"{where}.time", f"needs a time zone, was {fill.time.isoformat()}")
        filled += fill.quantity
        value += fill.quantity * price
    return filled, value


@dataclass(frozen=True, slots=True)
class _Shape:
    """How the caller gave charges: a bare decimal, or components (with or without a total)."""

    components: bool
    total: bool


def _charges(charges: Charges) -> tuple[dict[str, int], _Shape]:
    """The charges to split, in paise, and the shape to give them back in.

    A given ``total`` beside components must be their sum; it is then derived for every part
    rather than split on its own, so each participant's total is the sum of its components.
    """
    if isinstance(charges, Decimal):
        return {TOTAL: to_paise(charges, "charges")}, _Shape(components=False, total=True)
    if not isinstance(charges, Mapping) or not charges:
        raise InvalidInput("charges", f"expected a decimal or named components, was {charges!r}")
    known = (*COMPONENTS, TOTAL)
    for name in charges:
        if name not in known:
            raise InvalidInput(f"charges.{name}", f"unknown component; expected one of {known}")
    amounts = {n: to_paise(charges[n], f"charges.{n}") for n in known if n in charges}
    if set(amounts) == {TOTAL}:
        return amounts, _Shape(components=False, total=True)
    total = amounts.pop(TOTAL, None)
    if total is not None and total != sum(amounts.values()):
        raise InvalidInput(
            "charges.total",
            f"{from_paise(total)} is not the sum of the components, "
            f"{from_paise(sum(amounts.values()))}",
        )
    return amounts, _Shape(components=True, total=total is not None)


def _shaped(amounts: Mapping[str, int], shape: _Shape, given: Charges) -> Charges:
    """`amounts` in the caller's shape: a Decimal for a bare decimal, else a component map."""
    if isinstance(given, Decimal):
        return from_paise(amounts[TOTAL])
    shaped = {n: from_paise(v) for n, v in amounts.items()}
    if shape.components and shape.total:
        shaped[TOTAL] = from_paise(sum(amounts.values()))
    return shaped
