"""The allocator's value types: frozen, keyword-only dataclasses with exact fields.

Quantities are `int` shares, prices and money `Decimal` rupees. Mappings are keyed by symbol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from allocator.constants import CHARGES_RESERVE, DEFAULT_COLLAR


class Side(StrEnum):
    """Order side; ``SELL`` sorts before ``BUY`` everywhere (`side_rank`)."""

    SELL = "SELL"
    BUY = "BUY"


def side_rank(side: Side) -> int:
    """0 for SELL, 1 for BUY: the sort order of the contract (sells first)."""
    return 0 if side is Side.SELL else 1


SkipReason = Literal["min_trade_value", "funds"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """One subscription in a batch: what it holds and its full target position after it.

    `cash` limits its buys (funding); ``None`` means it is not funding-limited.
    """

    account: str
    holdings: Mapping[str, int] = field(default_factory=dict)
    targets: Mapping[str, int] = field(default_factory=dict)
    cash: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The broker's limits: per-order caps and order rates (Kite: 10/s, 400/min, 5,000/day)."""

    max_quantity: int = 100_000
    max_quantity_by_symbol: Mapping[str, int] = field(default_factory=dict)
    max_value: Decimal = Decimal("100000000.00")
    orders_per_second: int = 10
    orders_per_minute: int = 400
    orders_per_day: int = 5_000
    orders_used_today: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRequest:
    """Everything `allocator.planning.plan` needs; defaults as in the JSON contract."""

    prices: Mapping[str, Decimal]
    accounts: Sequence[Account]
    limits: Limits = field(default_factory=Limits)
    batch: str = ""
    tick_size: Mapping[str, Decimal] = field(default_factory=dict)
    collar: Decimal = DEFAULT_COLLAR
    buy_charges_rate: Decimal = CHARGES_RESERVE
    min_trade_value: Decimal = Decimal("0.00")
    cross: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Crossing:
    """An internal transfer: `account` buys or sells `quantity` at the reference price."""

    symbol: str
    account: str
    side: Side
    quantity: int
    price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Participant:
    """One line of a pre-trade allocation statement: `account` asks for `quantity`."""

    account: str
    quantity: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Slice:
    """A broker order of `quantity` shares, to be sent `send_after_ms` after the batch starts."""

    quantity: int
    send_after_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """One consolidated order with its pre-trade statement and its slices."""

    id: str
    symbol: str
    side: Side
    quantity: int
    limit_price: Decimal
    participants: tuple[Participant, ...]
    slices: tuple[Slice, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Skip:
    """Part of a change left out of the batch, and why."""

    account: str
    symbol: str
    side: Side
    quantity: int
    reason: SkipReason


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The outcome of planning, every list in contract order (symbol, SELL/BUY, account)."""

    crossings: tuple[Crossing, ...]
    orders: tuple[Order, ...]
    skipped: tuple[Skip, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill:
    """One broker trade of an order."""

    trade_id: str
    quantity: int
    price: Decimal
    time: datetime


Charges = Decimal | Mapping[str, Decimal]
"""Charges as one total, or as named components (``stt``, ``exchange``, ... , ``total``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocation:
    """One participant's share of a final order."""

    account: str
    quantity: int
    unfilled: int
    value: Decimal
    average_price: Decimal
    charges: Charges


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAllocation:
    """A final order split across its statement; every total is the exact sum of its parts."""

    filled: int
    unfilled: int
    value: Decimal
    average_price: Decimal
    charges: Charges
    allocations: tuple[Allocation, ...]
