"""The fake's demat and funds: holdings (settled and T1), cash, the day's charges at the
close, the roll into the next day, and the reads of holdings, positions, funds and the
virtual contract note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bridge_api.brokers.fake_kite.book import Book, Totals
from bridge_api.brokers.fake_kite.charges import DP_CHARGE, Charges, day_debit, order_charges
from bridge_api.brokers.fake_kite.market import Market
from bridge_api.brokers.fake_kite.wire import (
    AVERAGE,
    WORKING,
    Order,
    day_timestamp,
    decimal_field,
    input_error,
    integer_field,
)

EXPIRED_AT_CLOSE = "Order expired at the close of the market"


@dataclass
class Holding:
    """Shares of one symbol in the demat account: settled, bought the day before (T1),
    pledged (part of the settled), and bought on margin (MTF, held apart)."""

    quantity: int = 0
    t1: int = 0
    average: Decimal = Decimal(0)
    pledged: int = 0
    mtf: int = 0


LAYOUTS = ("separate", "included")
"""How ``GET /portfolio/holdings`` shows T1 shares: only in ``t1_quantity`` (as Kite's docs
describe ``quantity``), or also inside ``quantity`` (as live answers have been seen)."""


class Account:
    """One Zerodha account's holdings and cash (see the module doc)."""

    def __init__(self, cash: Decimal) -> None:
        self.cash = cash
        self.charges_debited = Decimal(0)
        self.undebited = Decimal(0)
        """Charges of a closed day, debited at the roll into the next day."""
        self.collateral = Decimal(0)
        """Margin from pledged holdings (after haircut): in ``net``, not cash."""
        self.holdings: dict[str, Holding] = {}
        self.layout = "separate"
        self.closed = False
        self._dp_charged: set[str] = set()

    def sell_problem(self, order: Order, book: Book) -> str | None:
        """Why a CNC sell would be refused for want of shares, if it would be."""
        if order.side != "SELL" or order.product != "CNC":
            return None
        holding = self.holdings.get(order.symbol, Holding())
        today = book.totals().get(order.symbol, Totals())
        available = holding.quantity + holding.t1 + today.net - book.selling(order.symbol, order)
        if order.quantity > available:
            return (
                f"Insufficient holdings: {max(available, 0)} {order.symbol} available "
                f"to sell, order is for {order.quantity}."
            )
        return None

    def close(self, book: Book, now: datetime, brokerage: Decimal = Decimal(0)) -> int:
        """End of day: expire OPEN orders and work out the day's contract note (`brokerage` per
        executed order) and DP once per scrip sold, debited as Kite does, into the next day's
        opening balance; returns how many orders expired."""
        expired = 0
        for order in book.orders:
            if order.status in WORKING:
                book.finish(order, "CANCELLED", EXPIRED_AT_CLOSE, now)
                expired += 1
        charged: list[Charges] = []
        for order in book.orders:
            if order.filled and not order.charged:
                charged.append(
                    order_charges(
                        order.symbol,
                        order.side,
                        order.filled_value,
                        order.product,
                        brokerage=brokerage,
                    )
                )
                order.charged = True
        debit = day_debit(charged)
        for symbol, t in book.totals().items():
            if t.sold and symbol not in self._dp_charged:
                debit += DP_CHARGE
                self._dp_charged.add(symbol)
        self.undebited += debit
        self.charges_debited += debit
        self.closed = True
        return expired

    def roll(self, book: Book) -> None:
        """Into a new day: today's net becomes T1 (yesterday's T1 settles), cash takes the
        day's trades and the closed day's charges. The day must be closed first."""
        self.cash -= self.undebited
        self.undebited = Decimal(0)
        for symbol, t in book.totals().items():
            holding = self.holdings.setdefault(symbol, Holding())
            held = holding.quantity + holding.t1
            if t.net > 0:
                average = (holding.average * held + t.bought_value / t.bought * t.net) / (
                    held + t.net
                )
                holding.average = average.quantize(AVERAGE, ROUND_HALF_UP)
            holding.quantity, holding.t1 = held + min(0, t.net), max(0, t.net)
            self.cash += t.sold_value - t.bought_value
        self.holdings = {s: h for s, h in self.holdings.items() if h.quantity + h.t1 + h.mtf}
        self._dp_charged = set()
        self.closed = False

    def shares(self, book: Book) -> dict[str, int]:
        """Total shares held per symbol: settled + T1 + today's net."""
        held = {s: h.quantity + h.t1 + h.mtf for s, h in self.holdings.items()}
        for symbol, total in book.totals().items():
            held[symbol] = held.get(symbol, 0) + total.net
        return {s: q for s, q in sorted(held.items()) if q}

    def net_cash(self, book: Book) -> Decimal:
        """Cash after today's trades (a day's charges are debited into the next day)."""
        totals = book.totals().values()
        return self.cash + sum((t.sold_value - t.bought_value for t in totals), Decimal(0))

    def margins(self, book: Book, segment: str | None) -> dict[str, Any]:
        """``GET /user/margins[/{segment}]``."""
        bought = sum((t.bought_value for t in book.totals().values()), Decimal(0))
        sold = sum((t.sold_value for t in book.totals().values()), Decimal(0))
        equity = _segment(self.cash, bought, sold, self.collateral)
        commodity = _segment(Decimal(0), Decimal(0), Decimal(0), Decimal(0))
        if segment is None:
            return {"equity": equity, "commodity": commodity}
        if segment == "equity":
            return equity
        if segment == "commodity":
            return commodity
        raise input_error("Invalid segment.")

    def holding_rows(self, book: Book, market: Market, day: date) -> list[dict[str, Any]]:
        """``GET /portfolio/holdings``: settled and T1 quantities in the account's `layout`,
        pledged and MTF shares; today's trades are positions."""
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, not {self.layout!r}")
        totals = book.totals()
        rows = []
        for symbol, holding in sorted(self.holdings.items()):
            instrument = market.instruments[symbol]
            held = holding.quantity + holding.t1
            if not held + holding.mtf:
                continue
            shown = holding.quantity + (holding.t1 if self.layout == "included" else 0)
            today = totals.get(symbol, Totals())
            used = min(held, max(0, -today.net))
            change = instrument.price - instrument.close
            rows.append(
                {
                    "tradingsymbol": symbol,
                    "exchange": "NSE",
                    "instrument_token": instrument.token,
                    "isin": f"INE{instrument.token % 10**6:06d}010",
                    "product": "CNC",
                    "price": Decimal(0),
                    "quantity": shown,
                    "used_quantity": used,
                    "t1_quantity": holding.t1,
                    "realised_quantity": holding.quantity,
                    "authorised_quantity": 0,
                    "authorised_date": day_timestamp(day),
                    "authorisation": {},
                    "opening_quantity": held,
                    "short_quantity": 0,
                    "collateral_quantity": holding.pledged,
                    "collateral_type": "margin" if holding.pledged else "",
                    "discrepancy": False,
                    "average_price": holding.average,
                    "last_price": instrument.price,
                    "close_price": instrument.close,
                    "pnl": (instrument.price - holding.average) * held,
                    "day_change": change,
                    "day_change_percentage": (
                        change * 100 / instrument.close if instrument.close else Decimal(0)
                    ),
                    "mtf": {
                        "quantity": holding.mtf,
                        "used_quantity": 0,
                        "average_price": holding.average if holding.mtf else Decimal(0),
                        "value": holding.average * holding.mtf,
                        "initial_margin": Decimal(0),
                    },
                }
            )
        return rows


def positions(book: Book, market: Market) -> dict[str, list[dict[str, Any]]]:
    """``GET /portfolio/positions``: today's trades per symbol and product (net = day)."""
    rows = []
    for (symbol, product), t in sorted(book.totals(by_product=True).items()):
        instrument = market.instruments[symbol]
        buy_price = t.bought_value / t.bought if t.bought else Decimal(0)
        sell_price = t.sold_value / t.sold if t.sold else Decimal(0)
        average = buy_price if t.net > 0 else sell_price if t.net < 0 else Decimal(0)
        pnl = t.sold_value - t.bought_value + t.net * instrument.price
        rows.append(
            {
                "tradingsymbol": symbol,
                "exchange": "NSE",
                "instrument_token": instrument.token,
                "product": product,
                "quantity": t.net,
                "overnight_quantity": 0,
                "multiplier": 1,
                "average_price": average,
                "close_price": instrument.close,
                "last_price": instrument.price,
                "value": t.sold_value - t.bought_value,
                "pnl": pnl,
                "m2m": pnl,
                "unrealised": pnl,
                "realised": Decimal(0),
                "buy_quantity": t.bought,
                "buy_price": buy_price,
                "buy_value": t.bought_value,
                "buy_m2m": t.bought_value,
                "sell_quantity": t.sold,
                "sell_price": sell_price,
                "sell_value": t.sold_value,
                "sell_m2m": t.sold_value,
                "day_buy_quantity": t.bought,
                "day_buy_price": buy_price,
                "day_buy_value": t.bought_value,
                "day_sell_quantity": t.sold,
                "day_sell_price": sell_price,
                "day_sell_value": t.sold_value,
            }
        )
    return {"net": rows, "day": [dict(r) for r in rows]}


NOTE_FIELDS = (
    "transaction_type",
    "tradingsymbol",
    "exchange",
    "variety",
    "product",
    "order_type",
    "quantity",
)
"""What Kite's virtual contract note echoes of each order (with ``price``), as its published
sample shows: no ``order_id``."""


def contract_note(body: Any, brokerage: Decimal = Decimal(0)) -> list[dict[str, Any]]:
    """``POST /charges/orders``: each order's charges, unrounded, as Kite's sample shows them
    (`brokerage` per order: Zerodha charges none on delivery)."""
    if not isinstance(body, list):
        raise input_error("Invalid JSON: expected a list of orders.")
    rows = []
    for item in body:
        if not isinstance(item, dict):
            raise input_error("Invalid JSON: expected a list of orders.")
        side = item.get("transaction_type")
        if side not in ("BUY", "SELL"):
            raise input_error("Invalid `transaction_type`.")
        if item.get("exchange", "NSE") not in ("NSE", "BSE"):
            raise input_error("Only NSE and BSE equity charges are simulated.")
        quantity = integer_field(str(item.get("quantity", "")), "quantity")
        price = decimal_field(str(item.get("average_price", item.get("price", ""))), "price")
        if quantity <= 0 or price < 0:
            raise input_error("Invalid `quantity` or `average_price`.")
        symbol = str(item.get("tradingsymbol", ""))
        product = str(item.get("product", "CNC"))
        charges = order_charges(symbol, side, quantity * price, product, brokerage=brokerage)
        echoed = {name: item.get(name) for name in NOTE_FIELDS}
        rows.append({**echoed, "price": price, "charges": charges.to_json()})
    return rows


def _segment(cash: Decimal, bought: Decimal, sold: Decimal, collateral: Decimal) -> dict[str, Any]:
    """One segment of ``GET /user/margins`` as the sample shows it: ``net`` is everything
    available (cash, collateral) less what is utilised; the cash is under ``available``."""
    zero = Decimal(0)
    live = cash - bought + sold
    return {
        "enabled": True,
        "net": live + collateral,
        "available": {
            "adhoc_margin": zero,
            "cash": cash,
            "opening_balance": cash,
            "live_balance": live,
            "collateral": collateral,
            "intraday_payin": zero,
        },
        "utilised": {
            "debits": bought,
            "exposure": zero,
            "m2m_realised": zero,
            "m2m_unrealised": zero,
            "option_premium": zero,
            "payout": zero,
            "span": zero,
            "holding_sales": sold,
            "turnover": bought + sold,
            "liquid_collateral": zero,
            "stock_collateral": zero,
            "delivery": zero,
        },
    }
