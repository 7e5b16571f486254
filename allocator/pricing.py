"""Rates, ticks, limit prices and the charges reserve, all in exact integer arithmetic.

A `Rate` is a non-negative fraction such as a collar (``0.01`` = 1 %) or the buy-side charges
reserve. Limit prices are the reference price moved by the collar and snapped to the tick
*towards* the reference price, so a limit never promises a worse price than the collar allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from allocator.constants import PAISA
from allocator.errors import InvalidInput, OffTick
from allocator.money import require_decimal, to_paise

DEFAULT_TICK = PAISA


@dataclass(frozen=True, slots=True)
class Rate:
    """An exact non-negative fraction ``num / den`` (den > 0)."""

    num: int
    den: int

    @classmethod
    def of(cls, value: Decimal, field: str, *, below_one: bool = False) -> Rate:
        """Build a rate from a Decimal; ``below_one`` also requires ``value < 1``."""
        require_decimal(value, field)
        if value < 0:
            raise InvalidInput(field, f"must not be negative, was {value}")
        if below_one and value >= 1:
            raise InvalidInput(field, f"must be below 1, was {value}")
        num, den = value.as_integer_ratio()
        return cls(num, den)

    def apply_floor(self, amount: int) -> int:
        """``floor(amount * rate)``."""
        return amount * self.num // self.den


def tick_paise(tick: Decimal, field: str) -> int:
    """A tick size in paise; it must be a positive whole number of paise."""
    paise = to_paise(tick, field)
    if paise <= 0:
        raise InvalidInput(field, f"tick size must be positive, was {tick}")
    return paise


def price_paise(price: Decimal, tick: int, field: str) -> int:
    """A positive reference price in paise that sits on its tick."""
    require_decimal(price, field)
    if price <= 0:
        raise InvalidInput(field, f"price must be positive, was {price}")
    paise = to_paise(price, field)
    if paise % tick:
        raise OffTick(field, f"price {price} is not a multiple of the tick {Decimal(tick) / 100}")
    return paise


def buy_limit(price: int, tick: int, collar: Rate) -> int:
    """``price * (1 + collar)`` rounded down to the tick, never below `price` (paise)."""
    ticks = price * (collar.den + collar.num) // (collar.den * tick)
    return max(ticks * tick, price)


def sell_limit(price: int, tick: int, collar: Rate) -> int:
    """``price * (1 - collar)`` rounded up to the tick, never above `price` (paise)."""
    numerator = price * (collar.den - collar.num)
    denominator = collar.den * tick
    ticks = -(-numerator // denominator)
    return min(ticks * tick, price)


def spendable(cash: int, reserve: Rate) -> int:
    """The most an account may spend at limit prices so that spend x (1 + reserve) <= cash.

    Because spend is a whole number of paise, ``spend <= floor(cash / (1 + reserve))`` is exactly
    equivalent to ``spend * (1 + reserve) <= cash``.
    """
    return cash * reserve.den // (reserve.den + reserve.num)


def with_reserve_ceil(spend: int, reserve: Rate) -> int:
    """``ceil(spend * (1 + reserve))`` in paise: what a basket costs with its charges reserve."""
    return -(-spend * (reserve.den + reserve.num) // reserve.den)
