"""A small stand-in for Lean's Python API, enough to drive the master algorithm in CPython.

The tests install this module as ``AlgorithmImports``. Every public name it defines, on every
class, exists in ``quantconnect-stubs`` (``test_lean_standin.py`` checks that), so the
algorithm cannot come to rely on something Lean does not have. What Lean would do by itself
(time passing, fills, expiry at the close) is driven from outside through ``_lean_*`` members,
which the check ignores; `tests.algorithms.simulation` uses them.

Behaviour follows Lean where the algorithm depends on it: ``limit_order`` returns a ticket
after a synchronous ``Submitted`` event (or an ``Invalid`` ticket, as Lean's pre-checks and the
Zerodha plugin do for orders without an ``IndiaOrderProperties`` exchange); every status
change reaches ``on_order_event``; a day order left open at 15:30 IST is cancelled.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

__all__ = [
    "AccountType",
    "BrokerageName",
    "DataNormalizationMode",
    "DateRules",
    "Equity",
    "Exchange",
    "IndiaOrderProperties",
    "LimitOrder",
    "Market",
    "MarketHoursDatabase",
    "Order",
    "OrderDirection",
    "OrderEvent",
    "OrderResponse",
    "OrderStatus",
    "OrderTicket",
    "QCAlgorithm",
    "Resolution",
    "ScheduleManager",
    "Security",
    "SecurityExchangeHours",
    "SecurityHolding",
    "SecurityManager",
    "SecurityPortfolioManager",
    "SecurityTransactionManager",
    "SecurityType",
    "Slice",
    "Symbol",
    "TimeInForce",
    "TimeRules",
    "TimeZones",
    "date",
    "datetime",
    "time",
    "timedelta",
]

STUBS = {
    "AccountType": "QuantConnect.AccountType",
    "BrokerageName": "QuantConnect.Brokerages.BrokerageName",
    "DataNormalizationMode": "QuantConnect.DataNormalizationMode",
    "DateRules": "QuantConnect.Scheduling.DateRules",
    "Equity": "QuantConnect.Securities.Equity.Equity",
    "Exchange": "QuantConnect.Exchange",
    "IndiaOrderProperties": "QuantConnect.Orders.IndiaOrderProperties",
    "LimitOrder": "QuantConnect.Orders.LimitOrder",
    "Market": "QuantConnect.Market",
    "MarketHoursDatabase": "QuantConnect.Securities.MarketHoursDatabase",
    "Order": "QuantConnect.Orders.Order",
    "OrderDirection": "QuantConnect.Orders.OrderDirection",
    "OrderEvent": "QuantConnect.Orders.OrderEvent",
    "OrderResponse": "QuantConnect.Orders.OrderResponse",
    "OrderStatus": "QuantConnect.Orders.OrderStatus",
    "OrderTicket": "QuantConnect.Orders.OrderTicket",
    "QCAlgorithm": "QuantConnect.Algorithm.QCAlgorithm",
    "Resolution": "QuantConnect.Resolution",
    "ScheduleManager": "QuantConnect.Scheduling.ScheduleManager",
    "Security": "QuantConnect.Securities.Security",
    "SecurityExchangeHours": "QuantConnect.Securities.SecurityExchangeHours",
    "SecurityHolding": "QuantConnect.Securities.SecurityHolding",
    "SecurityManager": "QuantConnect.Securities.SecurityManager",
    "SecurityPortfolioManager": "QuantConnect.Securities.SecurityPortfolioManager",
    "SecurityTransactionManager": "QuantConnect.Securities.SecurityTransactionManager",
    "SecurityType": "QuantConnect.SecurityType",
    "Slice": "QuantConnect.Data.Slice",
    "Symbol": "QuantConnect.Symbol",
    "TimeInForce": "QuantConnect.Orders.TimeInForce",
    "TimeRules": "QuantConnect.Scheduling.TimeRules",
    "TimeZones": "QuantConnect.TimeZones",
}
"""Where each stand-in class lives in quantconnect-stubs (the rest of `__all__` is stdlib)."""

IST = timedelta(hours=5, minutes=30)
NSE_OPEN, NSE_CLOSE = time(9, 15), time(15, 30)


# -- enums and constants ------------------------------------------------------------------


class OrderStatus(enum.IntEnum):
    NEW = 0
    SUBMITTED = 1
    PARTIALLY_FILLED = 2
    FILLED = 3
    CANCELED = 5
    NONE = 6
    INVALID = 7
    CANCEL_PENDING = 8
    UPDATE_SUBMITTED = 9


class OrderDirection(enum.IntEnum):
    BUY = 0
    SELL = 1
    HOLD = 2


class Resolution(enum.IntEnum):
    TICK = 0
    SECOND = 1
    MINUTE = 2
    HOUR = 3
    DAILY = 4


class SecurityType(enum.IntEnum):
    BASE = 0
    EQUITY = 1


class AccountType(enum.IntEnum):
    MARGIN = 0
    CASH = 1


class DataNormalizationMode(enum.IntEnum):
    RAW = 0


class BrokerageName(enum.IntEnum):
    ZERODHA = 11


class Market:
    INDIA = "india"


class TimeZones:
    KOLKATA = "Asia/Kolkata"


class Exchange(str):
    pass


Exchange.NSE = Exchange("NSE")


class TimeInForce:
    def __init__(self, name: str) -> None:
        self._lean_name = name


TimeInForce.DAY = TimeInForce("Day")
TimeInForce.GOOD_TIL_CANCELED = TimeInForce("GoodTilCanceled")


class IndiaOrderProperties:
    class IndiaProductType(enum.IntEnum):
        MIS = 0
        CNC = 1
        NRML = 2

    def __init__(self, exchange: Exchange, product_type: Any = None) -> None:
        self.exchange = exchange
        self.time_in_force = TimeInForce.GOOD_TIL_CANCELED
        self._lean_product = product_type

    @property
    def product_type(self) -> str:
        return "" if self._lean_product is None else self._lean_product.name


# -- symbols, securities, market hours ----------------------------------------------------


class Symbol:
    def __init__(self, value: str) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Symbol) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __str__(self) -> str:
        return self.value


class Security:
    def __init__(self, symbol: Symbol, price: float) -> None:
        self.symbol = symbol
        self._lean_price = price

    @property
    def price(self) -> float:
        return self._lean_price


class Equity(Security):
    pass


class SecurityManager:
    def __init__(self) -> None:
        self._lean_securities: dict[Symbol, Security] = {}

    def __getitem__(self, symbol: Symbol) -> Security:
        return self._lean_securities[symbol]

    def __contains__(self, symbol: Symbol) -> bool:
        return symbol in self._lean_securities

    def add(self, security: Security) -> None:
        self._lean_securities[security.symbol] = security


class SecurityHolding:
    def __init__(self, symbol: Symbol) -> None:
        self._lean_symbol = symbol
        self._lean_quantity = 0.0

    @property
    def symbol(self) -> Symbol:
        return self._lean_symbol

    @property
    def quantity(self) -> float:
        return self._lean_quantity


class SecurityPortfolioManager:
    def __init__(self) -> None:
        self._lean_holdings: dict[Symbol, SecurityHolding] = {}

    def __getitem__(self, symbol: Symbol) -> SecurityHolding:
        return self._lean_holdings.setdefault(symbol, SecurityHolding(symbol))

    def __contains__(self, symbol: Symbol) -> bool:
        return symbol in self._lean_holdings


class SecurityExchangeHours:
    """NSE equities: 09:15-15:30 IST, Monday to Friday (holidays are not modelled)."""

    def is_open(self, local_date_time: datetime, extended_market_hours: bool) -> bool:
        return local_date_time.weekday() < 5 and NSE_OPEN <= local_date_time.time() < NSE_CLOSE


class MarketHoursDatabase:
    def get_exchange_hours(
        self, market: str, symbol: Symbol | None, security_type: SecurityType
    ) -> SecurityExchangeHours:
        return SecurityExchangeHours()


class Slice:
    pass


# -- orders --------------------------------------------------------------------------------


class Order:
    def __init__(self, order_id: int, symbol: Symbol, quantity: float, tag: str) -> None:
        self.id = order_id
        self.symbol = symbol
        self.quantity = quantity
        self.tag = tag
        self.status = OrderStatus.NEW
        self.price = 0.0
        self.properties: IndiaOrderProperties | None = None
        self._lean_filled = 0.0

    @property
    def direction(self) -> OrderDirection:
        return OrderDirection.BUY if self.quantity > 0 else OrderDirection.SELL


class LimitOrder(Order):
    def __init__(
        self, order_id: int, symbol: Symbol, quantity: float, limit_price: float, tag: str
    ) -> None:
        super().__init__(order_id, symbol, quantity, tag)
        self.limit_price = limit_price


class OrderResponse:
    def __init__(self, order_id: int, error_message: str = "") -> None:
        self.order_id = order_id
        self.error_message = error_message

    @property
    def is_error(self) -> bool:
        return bool(self.error_message)


class OrderTicket:
    def __init__(self, order: Order, response: OrderResponse) -> None:
        self._lean_order = order
        self._lean_response = response

    @property
    def order_id(self) -> int:
        return self._lean_order.id

    @property
    def status(self) -> OrderStatus:
        return self._lean_order.status

    @property
    def quantity_filled(self) -> float:
        return self._lean_order._lean_filled

    def get_most_recent_order_response(self) -> OrderResponse:
        return self._lean_response


class OrderEvent:
    def __init__(
        self,
        order_id: int,
        symbol: Symbol,
        utc_time: datetime,
        status: OrderStatus,
        direction: OrderDirection,
        *,
        fill_price: float = 0.0,
        fill_quantity: float = 0.0,
        message: str = "",
    ) -> None:
        self.order_id = order_id
        self.id = 0
        self.symbol = symbol
        self.utc_time = utc_time
        self.status = status
        self.direction = direction
        self.fill_price = fill_price
        self.fill_quantity = fill_quantity
        self.message = message


class SecurityTransactionManager:
    def __init__(self, algorithm: QCAlgorithm) -> None:
        self._lean_algorithm = algorithm
        self._lean_orders: dict[int, Order] = {}
        self._lean_tickets: dict[int, OrderTicket] = {}
        self._lean_order_ids = itertools.count(1)
        self._lean_event_ids: dict[int, Iterator[int]] = {}

    def get_orders(self, filter: Callable[[Order], bool] | None = None) -> list[Order]:
        return [o for o in self._lean_orders.values() if filter is None or filter(o)]

    def get_order_by_id(self, order_id: int) -> Order | None:
        return self._lean_orders.get(order_id)

    def get_order_ticket(self, order_id: int) -> OrderTicket | None:
        return self._lean_tickets.get(order_id)

    def cancel_order(self, order_id: int, order_tag: str | None = None) -> OrderTicket:
        order = self._lean_orders[order_id]
        if order.status in (OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.INVALID):
            self._lean_tickets[order_id]._lean_response = OrderResponse(
                order_id, f"order {order_id} is already {order.status.name}"
            )
        else:
            self._lean_event(order, OrderStatus.CANCELED, message="cancelled by the algorithm")
        return self._lean_tickets[order_id]

    # -- driven from outside: what Lean and the brokerage do ------------------------------

    def _lean_submit(
        self, symbol: Symbol, quantity: float, limit_price: float, tag: str, properties: Any
    ) -> OrderTicket:
        order = LimitOrder(next(self._lean_order_ids), symbol, quantity, limit_price, tag)
        order.properties = properties
        self._lean_orders[order.id] = order
        self._lean_event_ids[order.id] = itertools.count(1)
        problem = ""
        if not isinstance(properties, IndiaOrderProperties) or not properties.exchange:
            problem = "Please specify a valid order properties with an exchange value"
        elif quantity == 0:
            problem = "order quantity is zero"
        elif symbol not in self._lean_algorithm.securities:
            problem = f"{symbol} is not in the algorithm's securities"
        self._lean_tickets[order.id] = OrderTicket(order, OrderResponse(order.id, problem))
        self._lean_event(order, OrderStatus.INVALID if problem else OrderStatus.SUBMITTED, problem)
        return self._lean_tickets[order.id]

    def _lean_open(self) -> list[LimitOrder]:
        open_states = (OrderStatus.SUBMITTED, OrderStatus.PARTIALLY_FILLED)
        return [
            o
            for o in self._lean_orders.values()
            if isinstance(o, LimitOrder) and o.status in open_states
        ]

    def _lean_fill(self, order: Order, quantity: float, price: float) -> None:
        order._lean_filled += quantity
        self._lean_algorithm.portfolio[order.symbol]._lean_quantity += quantity
        full = abs(order._lean_filled) >= abs(order.quantity)
        status = OrderStatus.FILLED if full else OrderStatus.PARTIALLY_FILLED
        self._lean_event(order, status, fill_price=price, fill_quantity=quantity)

    def _lean_cancel(self, order: Order, message: str) -> None:
        self._lean_event(order, OrderStatus.CANCELED, message=message)

    def _lean_event(
        self,
        order: Order,
        status: OrderStatus,
        message: str = "",
        *,
        fill_price: float = 0.0,
        fill_quantity: float = 0.0,
    ) -> None:
        order.status = status
        if fill_quantity:
            order.price = fill_price
        event = OrderEvent(
            order.id,
            order.symbol,
            self._lean_algorithm.utc_time,
            status,
            order.direction,
            fill_price=fill_price,
            fill_quantity=fill_quantity,
            message=message,
        )
        event.id = next(self._lean_event_ids[order.id])
        self._lean_algorithm.on_order_event(event)


# -- scheduling ----------------------------------------------------------------------------


class DateRules:
    def every_day(self) -> Callable[[date], bool]:
        return lambda day: True


class TimeRules:
    def every(self, interval: timedelta) -> Callable[[datetime], bool]:
        def due(moment: datetime) -> bool:
            since_midnight = moment - datetime.combine(moment.date(), time())
            return since_midnight % interval == timedelta(0)

        return due


class ScheduleManager:
    def __init__(self) -> None:
        self._lean_events: list[tuple[Callable[[date], bool], Callable[[datetime], bool], Any]] = []

    def on(
        self,
        date_rule: Callable[[date], bool],
        time_rule: Callable[[datetime], bool],
        callback: Callable[[], Any],
    ) -> None:
        self._lean_events.append((date_rule, time_rule, callback))

    def _lean_due(self, moment: datetime) -> list[Callable[[], Any]]:
        return [
            callback
            for on_date, at_time, callback in self._lean_events
            if on_date(moment.date()) and at_time(moment)
        ]


# -- the algorithm -------------------------------------------------------------------------


class QCAlgorithm:
    def __init__(self) -> None:
        self._lean_parameters: dict[str, str] = {}
        self._lean_live = False
        self._lean_now = datetime(2000, 1, 1)
        self._lean_prices: dict[str, float] = {}
        self._lean_messages: list[tuple[str, str]] = []
        self._lean_settings: dict[str, Any] = {}
        self._lean_securities = SecurityManager()
        self._lean_portfolio = SecurityPortfolioManager()
        self._lean_transactions = SecurityTransactionManager(self)
        self._lean_schedule = ScheduleManager()

    # properties

    @property
    def live_mode(self) -> bool:
        return self._lean_live

    @property
    def time(self) -> datetime:
        return self._lean_now

    @property
    def utc_time(self) -> datetime:
        return self._lean_now - IST

    @property
    def securities(self) -> SecurityManager:
        return self._lean_securities

    @property
    def portfolio(self) -> SecurityPortfolioManager:
        return self._lean_portfolio

    @property
    def transactions(self) -> SecurityTransactionManager:
        return self._lean_transactions

    @property
    def schedule(self) -> ScheduleManager:
        return self._lean_schedule

    @property
    def date_rules(self) -> DateRules:
        return DateRules()

    @property
    def time_rules(self) -> TimeRules:
        return TimeRules()

    @property
    def market_hours_database(self) -> MarketHoursDatabase:
        return MarketHoursDatabase()

    # set-up

    def initialize(self) -> None:
        pass

    def get_parameter(self, name: str, default_value: str | None = None) -> str | None:
        return self._lean_parameters.get(name, default_value)

    def set_time_zone(self, time_zone: str) -> None:
        self._lean_settings["time_zone"] = time_zone

    def set_account_currency(
        self, account_currency: str, starting_cash: float | None = None
    ) -> None:
        self._lean_settings["account_currency"] = account_currency

    def set_start_date(self, start: date) -> None:
        self._lean_settings["start"] = start

    def set_end_date(self, end: date) -> None:
        self._lean_settings["end"] = end

    def set_cash(self, starting_cash: float) -> None:
        self._lean_settings["cash"] = starting_cash

    def set_brokerage_model(self, brokerage: BrokerageName, account_type: AccountType) -> None:
        self._lean_settings["brokerage"] = (brokerage, account_type)

    def add_equity(
        self,
        ticker: str,
        resolution: Resolution | None = None,
        market: str | None = None,
        data_normalization_mode: DataNormalizationMode | None = None,
    ) -> Equity:
        equity = Equity(Symbol(ticker.upper()), self._lean_prices.get(ticker.upper(), 0.0))
        self._lean_securities.add(equity)
        return equity

    # trading

    def limit_order(
        self,
        symbol: Symbol,
        quantity: float,
        limit_price: float,
        *,
        asynchronous: bool = False,
        tag: str = "",
        order_properties: IndiaOrderProperties | None = None,
    ) -> OrderTicket:
        return self._lean_transactions._lean_submit(
            symbol, quantity, limit_price, tag, order_properties
        )

    # logging

    def debug(self, message: str) -> None:
        self._lean_messages.append(("debug", message))

    def log(self, message: str) -> None:
        self._lean_messages.append(("log", message))

    def error(self, message: str) -> None:
        self._lean_messages.append(("error", message))

    # event handlers

    def on_order_event(self, order_event: OrderEvent) -> None:
        pass

    def on_data(self, slice: Slice) -> None:
        pass

    def on_end_of_algorithm(self) -> None:
        pass
