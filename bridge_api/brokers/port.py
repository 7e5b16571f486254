"""The broker port: what the execution engine and reconciliation need from any broker.

Three adapters implement it: the paper venue (`bridge_api.brokers.paper`, fills against the
daily bars), Kite (`bridge_api.brokers.kite`, the direct and crash-safe path, tested against
the simulated venue in `bridge_api.brokers.fake_kite`), and Lean's order API
(``algorithms/saras_master/lean_broker.py``, inside a running algorithm).

Statuses follow Kite's: an order is `OrderState.OPEN` until it is ``COMPLETE``, ``CANCELLED``
(by us, or expired at the close) or ``REJECTED``. A placement can fail three ways, and the
engine treats each differently:

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
from enum import StrEnum
from typing import Protocol

from allocator import Side


class OrderState(StrEnum):
    """An order's state at the broker, as the port reports it."""

    OPEN = "OPEN"
    COMPLETE = "COMPLETE"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"


FINAL_STATES = frozenset({OrderState.COMPLETE, OrderState.CANCELLED, OrderState.REJECTED})


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
    side: Side
    quantity: int
    price: Decimal
    filled: int
    status: OrderState
    message: str = ""

    @property
    def final(self) -> bool:
        """Whether nothing more can happen to the order."""
        return self.status in FINAL_STATES


@dataclass(frozen=True, slots=True)
class BrokerTrade:
    """A trade as the broker's trade book shows it (the source of truth for fills)."""

    trade_id: str
    broker_order_id: str
    tag: str
    symbol: str
    side: Side
    quantity: int
    price: Decimal
    at: datetime


class Broker(Protocol):
    """The broker port."""

    name: str
    real_money: bool
    """Whether orders here move real money (the engine refuses such a broker unless real-money
    trading is switched on)."""

    def quotes(self, symbols: Iterable[str]) -> dict[str, Quote]:
        """Reference prices and price bands of the symbols the broker quotes; a symbol it has
        no quote for (suspended, renamed, delisted) is left out."""

    def place_limit_order(
        self, *, tag: str, symbol: str, side: Side, quantity: int, price: Decimal
    ) -> str:
        """Place a CNC day limit order on NSE; returns the broker's order id."""

    def cancel_order(self, broker_order_id: str) -> None:
        """Cancel what is left of an open order."""

    def orders(self) -> list[BrokerOrder]:
        """Today's order book."""

    def trades(self) -> list[BrokerTrade]:
        """Today's trade book."""

    def holdings(self) -> dict[str, int]:
        """Shares the account holds per symbol: settled, still settling (T1) and today's net
        (symbols with none left out). What reconciliation compares the books with."""

    def cash(self) -> Decimal | None:
        """The account's cash after today's trades and charges, or None where the venue keeps
        no cash of its own (the paper venue, a Lean backtest)."""
