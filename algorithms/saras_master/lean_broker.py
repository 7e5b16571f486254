"""The broker port over Lean's order API, so the engine can trade through a `QCAlgorithm`.

Orders go out as NSE CNC day limit orders (``IndiaOrderProperties``) tagged with the slice's
client tag. The order book is Lean's (``algorithm.transactions``); statuses and fills come from
the order events the algorithm passes to `LeanBroker.record`, so an order is never reported
final before every fill it had is in the trade book. Lean's statuses map onto the port's:

- ``Filled`` -> ``COMPLETE``;
- ``Canceled`` -> ``CANCELLED``: this includes rejections, which the Zerodha plugin reports as
  cancellations ("Zerodha Order Rejected Event: ..."), and expiry at the close;
- ``Invalid`` -> ``REJECTED`` (Lean refused the order before it reached the broker);
- anything else -> ``OPEN``.

Symbols are NSE's (``M&M``). Live, Lean's ticker is the same; in a backtest it is the data
file's name (``M_M``: every character outside A-Z and 0-9 becomes ``_``, as in ``data/``).

Lean numbers its orders from 1 in every run, so order and trade ids carry a per-run prefix:
ids from an earlier run can never be mistaken for this run's. What an earlier run placed is
not in this run's book at all (the Zerodha plugin sends no tag), which is why the algorithm
refuses to resume a batch with slices at the broker that this run did not place.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from AlgorithmImports import (
    DataNormalizationMode,
    Exchange,
    IndiaOrderProperties,
    Market,
    OrderDirection,
    OrderEvent,
    OrderStatus,
    QCAlgorithm,
    Resolution,
    Symbol,
    TimeInForce,
)

from allocator import Side
from allocator.constants import PAISA
from bridge_api.brokers.port import (
    BrokerOrder,
    BrokerRejected,
    BrokerTrade,
    BrokerUnavailable,
    OrderState,
    PlacementUnknown,
    Quote,
)

BAND = Decimal("0.20")
"""The price band assumed around the reference price (Lean does not know NSE's bands)."""


def port_status(status: OrderStatus) -> OrderState:
    """The broker port's state for a Lean order status (see the module doc)."""
    if status == OrderStatus.FILLED:
        return OrderState.COMPLETE
    if status == OrderStatus.CANCELED:
        return OrderState.CANCELLED
    if status == OrderStatus.INVALID:
        return OrderState.REJECTED
    return OrderState.OPEN


def port_side(direction: OrderDirection) -> Side:
    """The port's side of a Lean order direction."""
    return Side.BUY if direction == OrderDirection.BUY else Side.SELL


@dataclass(frozen=True, slots=True)
class _Fill:
    order_id: int
    event_id: int
    tag: str
    symbol: str
    side: Side
    quantity: int
    price: Decimal
    at: datetime


class LeanBroker:
    """The `Broker` port over a running `QCAlgorithm` (see the module doc)."""

    def __init__(
        self, algorithm: QCAlgorithm, *, resolution: Resolution = Resolution.MINUTE
    ) -> None:
        self._algorithm = algorithm
        self._resolution = resolution
        self.name = "lean-zerodha" if algorithm.live_mode else "lean-backtest"
        self.real_money = bool(algorithm.live_mode)
        self.run = f"L{uuid.uuid4().hex[:8]}"  # prefixes this run's order and trade ids
        self._symbols: dict[str, Symbol] = {}
        self._nse: dict[str, str] = {}  # Lean ticker -> NSE symbol
        self._ticks: dict[str, Decimal] = {}
        self._tried: set[str] = set()
        self._limits: dict[int, Decimal] = {}
        self._statuses: dict[int, tuple[OrderStatus, str]] = {}
        self._fills: dict[tuple[int, int], _Fill] = {}
        self._lock = threading.Lock()  # live order events arrive on Lean's brokerage thread

    # -- subscriptions and quotes ---------------------------------------------------------

    def subscribe(self, ticks: Mapping[str, Decimal]) -> list[str]:
        """Add the NSE equities not yet subscribed, with their ticks; returns the new ones."""
        added = []
        for ticker, tick in sorted(ticks.items()):
            if ticker in self._symbols:
                continue
            lean_ticker = (
                ticker if self._algorithm.live_mode else re.sub(r"[^A-Z0-9]", "_", ticker.upper())
            )
            equity = self._algorithm.add_equity(
                lean_ticker,
                self._resolution,
                Market.INDIA,
                data_normalization_mode=DataNormalizationMode.RAW,
            )
            self._symbols[ticker], self._ticks[ticker] = equity.symbol, tick
            self._nse[str(equity.symbol.value)] = ticker
            added.append(ticker)
        return added

    def quotes(self, symbols: Iterable[str]) -> dict[str, Quote]:
        """The last price on the tick, with a ±20% band; a symbol not subscribed (no such
        instrument) is left out, and one with no price yet halts trading until it has one."""
        quotes = {}
        for ticker in sorted(set(symbols)):
            if ticker not in self._symbols:
                continue  # no such instrument: the batch skips it
            last = self._algorithm.securities[self._symbols[ticker]].price
            if not last > 0:
                raise BrokerUnavailable(f"no price for {ticker} yet")
            tick = self._ticks[ticker]
            price = _on_tick(Decimal(str(last)), tick, ROUND_HALF_EVEN)
            quotes[ticker] = Quote(
                symbol=ticker,
                price=price,
                lower=_on_tick(price * (1 - BAND), tick, ROUND_CEILING),
                upper=_on_tick(price * (1 + BAND), tick, ROUND_FLOOR),
            )
        return quotes

    # -- orders ----------------------------------------------------------------------------

    def place_limit_order(
        self, *, tag: str, symbol: str, side: Side, quantity: int, price: Decimal
    ) -> str:
        """Send an NSE CNC day limit order through Lean; returns this run's order id."""
        if symbol not in self._symbols:
            raise BrokerRejected(f"{symbol} is not subscribed")
        properties = IndiaOrderProperties(Exchange.NSE, IndiaOrderProperties.IndiaProductType.CNC)
        properties.time_in_force = TimeInForce.DAY
        self._tried.add(tag)
        try:
            ticket = self._algorithm.limit_order(
                self._symbols[symbol],
                quantity if side is Side.BUY else -quantity,
                float(price),
                tag=tag,
                order_properties=properties,
            )
        except Exception as error:
            # Lean may or may not hold the order now: the engine looks the tag up.
            raise PlacementUnknown(f"{tag}: {error}") from error
        if ticket.status == OrderStatus.INVALID:
            response = ticket.get_most_recent_order_response()
            reason = response.error_message if response is not None else "invalid order"
            raise BrokerRejected(f"{tag}: {reason}")
        with self._lock:
            self._limits[ticket.order_id] = price
        return self._reference(ticket.order_id)

    def cancel_order(self, broker_order_id: str) -> None:
        """Ask Lean to cancel an order; one already final stays as it is."""
        order_id = self._order_id(broker_order_id)
        if self._algorithm.transactions.get_order_by_id(order_id) is None:
            raise BrokerRejected(f"no order {broker_order_id}")
        self._algorithm.transactions.cancel_order(order_id)

    def cancel_open(self) -> int:
        """Ask Lean to cancel every order of this run still open; returns how many."""
        open_orders = [o for o in self.orders() if not o.final and o.tag in self._tried]
        for order in open_orders:
            self.cancel_order(order.broker_order_id)
        return len(open_orders)

    def knows(self, tag: str) -> bool:
        """Whether this run placed (or tried to place) an order under `tag`."""
        return tag in self._tried

    def orders(self) -> list[BrokerOrder]:
        """This run's order book, with statuses and fills as the order events reported them."""
        with self._lock:
            statuses = dict(self._statuses)
            filled: dict[int, int] = {}
            for fill in self._fills.values():
                filled[fill.order_id] = filled.get(fill.order_id, 0) + fill.quantity
            limits = dict(self._limits)
        book = []
        for order in self._algorithm.transactions.get_orders():
            status, message = statuses.get(order.id, (OrderStatus.SUBMITTED, ""))
            book.append(
                BrokerOrder(
                    broker_order_id=self._reference(order.id),
                    tag=order.tag or "",
                    symbol=self._symbol(order.symbol),
                    side=port_side(order.direction),
                    quantity=abs(int(order.quantity)),
                    price=limits.get(order.id, Decimal(str(order.price))),
                    filled=filled.get(order.id, 0),
                    status=port_status(status),
                    message=message or "",
                )
            )
        return book

    def trades(self) -> list[BrokerTrade]:
        """Every fill this run saw, one trade per fill event."""
        with self._lock:
            fills = list(self._fills.values())
        return [
            BrokerTrade(
                trade_id=f"{self._reference(fill.order_id)}-{fill.event_id}",
                broker_order_id=self._reference(fill.order_id),
                tag=fill.tag,
                symbol=fill.symbol,
                side=fill.side,
                quantity=fill.quantity,
                price=fill.price,
                at=fill.at,
            )
            for fill in fills
        ]

    def holdings(self) -> dict[str, int]:
        """Lean's portfolio quantity of every subscribed symbol (live, Lean loads it from the
        Zerodha account at start; a symbol not subscribed is not seen)."""
        held = {
            ticker: int(self._algorithm.portfolio[symbol].quantity)
            for ticker, symbol in self._symbols.items()
        }
        return {ticker: quantity for ticker, quantity in sorted(held.items()) if quantity}

    def cash(self) -> Decimal | None:
        """None: Lean's cash is its own simulation in a backtest, and not the books' pool."""
        return None

    def record(self, order_event: OrderEvent) -> None:
        """Take in an order event: its status, and its fill if it has one."""
        fill = None
        if order_event.fill_quantity:
            order = self._algorithm.transactions.get_order_by_id(order_event.order_id)
            at = order_event.utc_time
            fill = _Fill(
                order_id=order_event.order_id,
                event_id=order_event.id,
                tag=(order.tag or "") if order is not None else "",
                symbol=self._symbol(order_event.symbol),
                side=port_side(order_event.direction),
                quantity=abs(int(order_event.fill_quantity)),
                price=Decimal(str(order_event.fill_price)).quantize(PAISA, ROUND_HALF_EVEN),
                at=at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC),
            )
        with self._lock:
            self._statuses[order_event.order_id] = (order_event.status, order_event.message)
            if fill is not None:
                self._fills.setdefault((fill.order_id, fill.event_id), fill)

    def _symbol(self, symbol: Symbol) -> str:
        value = str(symbol.value)
        return self._nse.get(value, value)

    def _reference(self, order_id: int) -> str:
        return f"{self.run}-{order_id}"

    def _order_id(self, broker_order_id: str) -> int:
        run, _, number = broker_order_id.rpartition("-")
        if run != self.run or not number.isdigit():
            raise BrokerRejected(f"{broker_order_id} is not an order of this run ({self.run})")
        return int(number)


def _on_tick(price: Decimal, tick: Decimal, rounding: str) -> Decimal:
    return (price / tick).to_integral_value(rounding=rounding) * tick
