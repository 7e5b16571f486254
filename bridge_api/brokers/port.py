"""The broker port: what the execution engine needs from any broker, and nothing more.

Statuses follow Kite's: an order is ``OPEN`` until it is ``COMPLETE``, ``CANCELLED`` (by us, or
expired at the close) or ``REJECTED``. A placement can fail three ways, and the engine treats
each differently:

- `BrokerRejected`: the broker refused it; nothing is working at the broker;
- `PlacementUnknown`: the request may or may not have reached the broker (timeout,
  disconnect); the engine must look the tag up and never blindly send it again;
- `BrokerUnavailable`: nothing was sent (no session, token expired, not connected); trading
  halts until the operator acts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

FINAL_STATUSES = frozenset({"COMPLETE", "CANCELLED", "REJECTED"})


class BrokerError(Exception):
    """Base of the broker port's errors."""


class BrokerRejected(BrokerError):
    """The broker refused the order (off tick, outside the band, no funds, ...)."""


class PlacementUnknown(BrokerError):
    """The placement's outcome is unknown: look the tag up, never resend blindly."""


class BrokerUnavailable(BrokerError):
    """Nothing was sent: the broker cannot be reached or the session is not valid."""


@dataclass(frozen=True, slots=True)
class Quote:
    """A symbol's reference price and the day's price band (circuit limits), in rupees."""

    symbol: str
    price: Decimal
    lower: Decimal
    upper: Decimal


@dataclass(frozen=True, slots=True)
class BrokerOrder:
    """An order as the broker's order book shows it."""

    broker_order_id: str
    tag: str
    symbol: str
    side: str
    quantity: int
    price: Decimal
    filled: int
    status: str
    message: str = ""

    @property
    def final(self) -> bool:
        """Whether nothing more can happen to the order."""
        return self.status in FINAL_STATUSES


@dataclass(frozen=True, slots=True)
class BrokerTrade:
    """A trade as the broker's trade book shows it (the source of truth for fills)."""

    trade_id: str
    broker_order_id: str
    tag: str
    symbol: str
    side: str
    quantity: int
    price: Decimal
    at: datetime


class Broker(Protocol):
    """The broker port."""

    name: str

    def quotes(self, symbols: Iterable[str]) -> dict[str, Quote]:
        """Reference prices and price bands."""

    def place_limit_order(
        self, *, tag: str, symbol: str, side: str, quantity: int, price: Decimal
    ) -> str:
        """Place a CNC day limit order on NSE; returns the broker's order id."""

    def cancel_order(self, broker_order_id: str) -> None:
        """Cancel what is left of an open order."""

    def orders(self) -> list[BrokerOrder]:
        """Today's order book."""

    def trades(self) -> list[BrokerTrade]:
        """Today's trade book."""
