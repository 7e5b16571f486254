"""Kite's wire format as the fake speaks it: errors, timestamps, parsing form fields, and the
rows of the order book and the trade book."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

TIMESTAMP = "%Y-%m-%d %H:%M:%S"
FINAL = ("COMPLETE", "CANCELLED", "REJECTED")
WORKING = ("OPEN", "MODIFIED")
"""Statuses of an order live at the exchange: ``MODIFIED`` follows a modification (Kite's
published ``order_info.json``) until the order's next event."""
AVERAGE = Decimal("0.0001")


class KiteError(Exception):
    """A Kite error response: HTTP status, ``error_type`` and message."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def input_error(message: str) -> KiteError:
    """Kite's answer to a request it cannot take: 400 ``InputException``."""
    return KiteError(400, "InputException", message)


@dataclass
class Order:
    """One order at the fake broker, with its status history."""

    order_id: str
    guid: str
    placed: datetime
    variety: str
    symbol: str
    token: int
    order_type: str
    side: str
    validity: str
    product: str
    quantity: int
    price: Decimal
    trigger: Decimal
    disclosed: int
    market_protection: Decimal
    tag: str | None
    status: str = "PUT ORDER REQ RECEIVED"
    status_message: str | None = None
    exchange_order_id: str | None = None
    exchange_at: datetime | None = None
    updated: datetime | None = None
    filled: int = 0
    filled_value: Decimal = Decimal(0)
    cancelled: int = 0
    modifications: int = 0
    hidden_for: int = 0
    charged: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pending(self) -> int:
        """Shares still to fill (none once the order is final)."""
        return 0 if self.status in FINAL else self.quantity - self.filled

    @property
    def average(self) -> Decimal:
        """Average fill price, as Kite rounds it."""
        if not self.filled:
            return Decimal(0)
        return (self.filled_value / self.filled).quantize(AVERAGE, ROUND_HALF_UP).normalize()


@dataclass
class Trade:
    """One exchange trade of an order."""

    trade_id: str
    order: Order
    quantity: int
    price: Decimal
    at: datetime


def timestamp(moment: datetime | None) -> str | None:
    """Kite's timestamp text (IST, no zone), or None."""
    return moment.strftime(TIMESTAMP) if moment else None


def decimal_field(value: str | None, name: str) -> Decimal:
    """A form field as a finite decimal (absent: 0), or Kite's refusal."""
    try:
        number = Decimal(value or "0")
    except InvalidOperation:
        raise input_error(f"Invalid `{name}`.") from None
    if not number.is_finite():
        raise input_error(f"Invalid `{name}`.")
    return number


def integer_field(value: str | None, name: str, default: int = 0) -> int:
    """A form field as an integer (absent: `default`), or Kite's refusal."""
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise input_error(f"Invalid `{name}`.") from None


def protection_field(value: str | None) -> Decimal:
    """``market_protection``: -1 (automatic) or a percentage from 0 to 100."""
    protection = decimal_field(value, "market_protection")
    if protection != -1 and not 0 <= protection <= 100:
        raise input_error("Invalid `market_protection`: -1 (auto) or 0 to 100.")
    return protection


def moment_field(value: str | None, name: str) -> datetime:
    """A ``from``/``to`` of the historical API: a timestamp or a date."""
    for layout in (TIMESTAMP, "%Y-%m-%d"):
        try:
            return datetime.strptime(value or "", layout)
        except ValueError:
            continue
    raise input_error(f"Invalid `{name}` date.")


def day_timestamp(day: date) -> str:
    """A day as Kite writes an authorisation date."""
    return day.strftime(TIMESTAMP)


def order_row(o: Order, user_id: str) -> dict[str, Any]:
    """An order as ``GET /orders`` shows it (prices as `Decimal`)."""
    return {
        "placed_by": user_id,
        "order_id": o.order_id,
        "exchange_order_id": o.exchange_order_id,
        "parent_order_id": None,
        "status": o.status,
        "status_message": o.status_message,
        "status_message_raw": o.status_message,
        "order_timestamp": o.placed.strftime(TIMESTAMP),
        "exchange_update_timestamp": timestamp(o.updated),
        "exchange_timestamp": timestamp(o.exchange_at),
        "variety": o.variety,
        "modified": o.modifications > 0,
        "exchange": "NSE",
        "tradingsymbol": o.symbol,
        "instrument_token": o.token,
        "order_type": o.order_type,
        "transaction_type": o.side,
        "validity": o.validity,
        "product": o.product,
        "quantity": o.quantity,
        "disclosed_quantity": o.disclosed,
        "price": o.price,
        "trigger_price": o.trigger,
        "average_price": o.average,
        "filled_quantity": o.filled,
        "pending_quantity": o.pending,
        "cancelled_quantity": o.cancelled,
        "market_protection": o.market_protection,
        "meta": {},
        "tag": o.tag,
        "tags": [o.tag] if o.tag else None,
        "guid": o.guid,
        "validity_ttl": 0,
        "auction_number": None,
        "account_id": user_id,
    }


def trade_row(t: Trade) -> dict[str, Any]:
    """A trade as ``GET /trades`` shows it."""
    o = t.order
    return {
        "trade_id": t.trade_id,
        "order_id": o.order_id,
        "exchange_order_id": o.exchange_order_id,
        "exchange": "NSE",
        "tradingsymbol": o.symbol,
        "instrument_token": o.token,
        "product": o.product,
        "average_price": t.price,
        "quantity": t.quantity,
        "transaction_type": o.side,
        "fill_timestamp": t.at.strftime(TIMESTAMP),
        "order_timestamp": t.at.strftime("%H:%M:%S"),
        "exchange_timestamp": t.at.strftime(TIMESTAMP),
    }
