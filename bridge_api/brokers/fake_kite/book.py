"""The fake's order book: placing, validating, matching, modifying and cancelling orders, each
status change kept in the order's history and, where Kite sends one, posted back."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from bridge_api.brokers.fake_kite.market import Instrument, Market
from bridge_api.brokers.fake_kite.wire import (
    WORKING,
    Order,
    Trade,
    decimal_field,
    input_error,
    integer_field,
    order_row,
    protection_field,
    trade_row,
)

FILL_MODES = ("immediate", "partial", "none")
TAG = re.compile(r"[A-Za-z0-9]{1,20}")
MARKET_WITHOUT_PROTECTION = (
    "Market orders without market protection are not allowed via API. "
    "Please set market protection or use a Limit order."
)
Notify = Callable[[Order, dict[str, Any], str | None], None]
"""Called with an order, its row and the postback's event (None: its status) to post back."""


@dataclass
class Totals:
    """Shares and value bought and sold today (of a symbol, or a symbol and product)."""

    bought: int = 0
    bought_value: Decimal = Decimal(0)
    sold: int = 0
    sold_value: Decimal = Decimal(0)

    @property
    def net(self) -> int:
        """Shares bought less shares sold."""
        return self.bought - self.sold


class Book:
    """Today's orders and trades (see the module doc)."""

    def __init__(self, day: date, user_id: str, notify: Notify) -> None:
        self.user_id = user_id
        self.orders: list[Order] = []
        self.trades: list[Trade] = []
        self._by_id: dict[str, Order] = {}
        self._notify = notify
        self._next_order = int(day.strftime("%y%m%d")) * 10**13 + 1  # 19 digits, as Kite's
        self._next_trade = 10_000_001

    def clear(self) -> None:
        """A new day: the books start empty (order numbers go on)."""
        self.orders, self._by_id, self.trades = [], {}, []

    def get(self, variety: str | None, order_id: str) -> Order:
        """An order of today's book, or Kite's refusal."""
        if variety is not None and variety != "regular":
            raise input_error("Invalid `variety`.")
        order = self._by_id.get(order_id)
        if order is None:
            raise input_error("Couldn't find that `order_id`.")
        return order

    def new_order(
        self, variety: str, form: Mapping[str, str], market: Market, now: datetime, lag: int
    ) -> Order:
        """Validate a placement's form as Kite does and add the order to the book."""
        if variety != "regular" or form.get("variety", variety) != variety:
            raise input_error("Invalid `variety`.")
        if form.get("exchange") != "NSE":
            raise input_error("Invalid `exchange`.")
        instrument = market.instruments.get(form.get("tradingsymbol", ""))
        if instrument is None:
            raise input_error("Invalid `tradingsymbol`.")
        side = form.get("transaction_type")
        if side not in ("BUY", "SELL"):
            raise input_error("Invalid `transaction_type`.")
        quantity = integer_field(form.get("quantity"), "quantity")
        if quantity <= 0 or quantity % instrument.lot:
            raise input_error("Invalid `quantity`.")
        product = form.get("product")
        if product not in ("CNC", "MIS", "NRML"):
            raise input_error("Invalid `product`.")
        order_type = form.get("order_type")
        if order_type not in ("LIMIT", "MARKET"):
            raise input_error("Invalid `order_type` (the fake takes LIMIT and MARKET).")
        protection = protection_field(form.get("market_protection"))
        if order_type == "MARKET":
            if not protection:
                raise input_error(MARKET_WITHOUT_PROTECTION)
            price = Decimal(0)
        else:
            price = decimal_field(form.get("price"), "price")
            if price <= 0:
                raise input_error("Invalid `price`.")
        validity = form.get("validity") or "DAY"
        if validity not in ("DAY", "IOC"):
            raise input_error("Invalid `validity` (the fake takes DAY and IOC).")
        tag = form.get("tag") or None
        if tag is not None and not TAG.fullmatch(tag):
            raise input_error("Invalid `tag`: alphanumeric, at most 20 characters.")
        order = Order(
            order_id=str(self._next_order),
            guid=secrets.token_hex(8),
            placed=now,
            variety=variety,
            symbol=instrument.symbol,
            token=instrument.token,
            order_type=order_type,
            side=side,
            validity=validity,
            product=product,
            quantity=quantity,
            price=price,
            trigger=decimal_field(form.get("trigger_price"), "trigger_price"),
            disclosed=integer_field(form.get("disclosed_quantity"), "disclosed_quantity"),
            market_protection=protection,
            tag=tag,
            hidden_for=lag,
        )
        self._next_order += 1
        self.orders.append(order)
        self._by_id[order.order_id] = order
        return order

    def modify(
        self,
        order: Order,
        form: Mapping[str, str],
        instrument: Instrument,
        now: datetime,
        *,
        lingers: bool = False,
    ) -> None:
        """Change a working order's quantity, price or type as ``PUT /orders`` asks; it goes
        through ``MODIFIED`` back to ``OPEN`` (or stays ``MODIFIED`` when it `lingers`)."""
        quantity = integer_field(form.get("quantity"), "quantity", order.quantity)
        if quantity <= order.filled or quantity % instrument.lot:
            raise input_error("Invalid `quantity`.")
        order_type = form.get("order_type") or order.order_type
        if order_type not in ("LIMIT", "MARKET"):
            raise input_error("Invalid `order_type`.")
        if "market_protection" in form:
            order.market_protection = protection_field(form["market_protection"])
        if order_type == "MARKET":
            if not order.market_protection:
                raise input_error(MARKET_WITHOUT_PROTECTION)
            price = Decimal(0)
        else:
            price = decimal_field(form.get("price"), "price") if "price" in form else order.price
            problem = instrument.price_problem(price)
            if problem:
                raise input_error(problem)
        order.quantity, order.price, order.order_type = quantity, price, order_type
        order.disclosed = integer_field(
            form.get("disclosed_quantity"), "disclosed_quantity", order.disclosed
        )
        order.modifications += 1
        order.placed = order.updated = now
        for status in ("MODIFY VALIDATION PENDING", "MODIFY PENDING", "MODIFIED"):
            order.status = status
            self.snap(order)
        if not lingers:
            order.status = "OPEN"
            self.snap(order)
        self._notify(order, order.history[-1], "UPDATE")

    def snap(self, order: Order, *, notify: bool = False, event: str | None = None) -> None:
        """Record the order's status in its history (and post it back when Kite would)."""
        row = order_row(order, self.user_id)
        order.history.append(row)
        if notify:
            self._notify(order, row, event)

    def match(
        self, order: Order, mode: str, instrument: Instrument, now: datetime, ratio: Decimal
    ) -> int:
        """Trade a marketable OPEN order at the last price: in full (``immediate``), `ratio`
        of what is left (``partial``) or not at all (``none``); returns the trades made."""
        if mode not in FILL_MODES:
            raise ValueError(f"fill must be one of {FILL_MODES}, not {mode!r}")
        marketable = (
            order.order_type == "MARKET"
            or (order.side == "BUY" and order.price >= instrument.price)
            or (order.side == "SELL" and order.price <= instrument.price)
        )
        if mode == "none" or order.status not in WORKING or not marketable:
            return 0
        quantity = order.pending
        if mode == "partial":
            quantity = min(quantity, max(1, int((quantity * ratio).to_integral_value(ROUND_FLOOR))))
        self.trades.append(Trade(str(self._next_trade), order, quantity, instrument.price, now))
        self._next_trade += 1
        order.filled += quantity
        order.filled_value += quantity * instrument.price
        order.updated = now
        instrument.volume += quantity
        if order.filled == order.quantity:
            self.finish(order, "COMPLETE", None, now)
        else:
            self.snap(order, notify=True, event="UPDATE")
        return 1

    def finish(self, order: Order, status: str, message: str | None, now: datetime) -> None:
        """Make an order final (what is left of a cancelled one is counted as cancelled)."""
        if status == "CANCELLED":
            order.cancelled = order.quantity - order.filled
        order.status, order.status_message = status, message
        order.updated = now
        self.snap(order, notify=True)

    def expire_ioc(self, order: Order, now: datetime) -> None:
        """An IOC order not filled at once is cancelled."""
        if order.validity == "IOC" and order.status in WORKING:
            self.finish(order, "CANCELLED", "IOC order cancelled: not filled in full at once", now)

    def selling(self, symbol: str, besides: Order) -> int:
        """Shares of `symbol` still to be sold from the demat account by other CNC orders."""
        return sum(
            o.pending
            for o in self.orders
            if o is not besides and o.symbol == symbol and o.side == "SELL" and o.product == "CNC"
        )

    def visible_rows(self) -> list[dict[str, Any]]:
        """``GET /orders``: each order shown only after `book_lag` further reads."""
        rows = [order_row(o, self.user_id) for o in self.orders if o.hidden_for <= 0]
        for order in self.orders:
            order.hidden_for -= 1
        return rows

    def rows(self) -> list[dict[str, Any]]:
        """Every order of today, lag or not."""
        return [order_row(o, self.user_id) for o in self.orders]

    def trade_rows(self, order_id: str | None = None) -> list[dict[str, Any]]:
        """Today's trades (of one order, when given)."""
        return [
            trade_row(t) for t in self.trades if order_id is None or t.order.order_id == order_id
        ]

    def totals(self, *, by_product: bool = False) -> dict[Any, Totals]:
        """Today's trades summed per symbol (or per symbol and product)."""
        totals: dict[Any, Totals] = {}
        for t in self.trades:
            key = (t.order.symbol, t.order.product) if by_product else t.order.symbol
            total = totals.setdefault(key, Totals())
            if t.order.side == "BUY":
                total.bought += t.quantity
                total.bought_value += t.quantity * t.price
            else:
                total.sold += t.quantity
                total.sold_value += t.quantity * t.price
        return totals
