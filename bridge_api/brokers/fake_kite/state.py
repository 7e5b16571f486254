"""The simulated Zerodha account and NSE order book behind the fake Kite server.

Pure Python and thread-safe: every public method takes the one lock. Money is `Decimal`; the
dicts returned here carry `Decimal` prices (the HTTP layer renders them as JSON numbers).

The trading day is the IST date of ``now()``. When ``now()`` reaches a later date the book
rolls over: the old day is closed as by `close_market` (if it was not already), today's net
quantities become T1 holdings (yesterday's T1 settle), cash takes the day's trades, the order
and trade books are emptied and circuit limits are re-centred on the last price.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from queue import Queue
from typing import Any
from zoneinfo import ZoneInfo

from bridge_api.brokers.fake_kite.charges import DP_CHARGE, order_charges

IST = ZoneInfo("Asia/Kolkata")
TIMESTAMP = "%Y-%m-%d %H:%M:%S"
REQUEST_TOKEN_LIFE = timedelta(minutes=5)
INSTRUMENT_COLUMNS = [
    "instrument_token",
    "exchange_token",
    "tradingsymbol",
    "name",
    "last_price",
    "expiry",
    "strike",
    "tick_size",
    "lot_size",
    "instrument_type",
    "segment",
    "exchange",
]
MAX_QUOTE_INSTRUMENTS = {"quote": 500, "ohlc": 1000, "ltp": 1000}
HISTORICAL_MAX_DAYS = {
    "minute": 60,
    "3minute": 100,
    "5minute": 100,
    "10minute": 100,
    "15minute": 200,
    "30minute": 200,
    "60minute": 400,
    "day": 2000,
}
MARKET_WITHOUT_PROTECTION = (
    "Market orders without market protection are not allowed via API. "
    "Please set market protection or use a Limit order."
)
EXPIRED_AT_CLOSE = "Order expired at the close of the market"
BAD_TOKEN = "Incorrect `api_key` or `access_token`."
FILL_MODES = ("immediate", "partial", "none")
FINAL = ("COMPLETE", "CANCELLED", "REJECTED")
TAG = re.compile(r"[A-Za-z0-9]{1,20}")
AVERAGE = Decimal("0.0001")


class KiteError(Exception):
    """A Kite error response: HTTP status, ``error_type`` and message."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def _input(message: str) -> KiteError:
    return KiteError(400, "InputException", message)


@dataclass(frozen=True)
class FakeLimits:
    """Kite's rate limits and modification cap (defaults: the real values, §1.1)."""

    orders_per_second: int = 10
    orders_per_minute: int = 400
    orders_per_day: int = 5000
    quotes_per_second: int = 1
    historical_per_second: int = 3
    other_per_second: int = 10
    modifications_per_order: int = 25


@dataclass
class _Instrument:
    symbol: str
    token: int
    name: str
    tick: Decimal
    lot: int
    band: Decimal
    price: Decimal
    close: Decimal = Decimal(0)
    open: Decimal = Decimal(0)
    high: Decimal = Decimal(0)
    low: Decimal = Decimal(0)
    lower: Decimal = Decimal(0)
    upper: Decimal = Decimal(0)
    volume: int = 0
    candles: dict[date, tuple[Decimal, Decimal, Decimal, Decimal, int]] = field(
        default_factory=dict
    )

    def new_day(self) -> None:
        self.close = self.open = self.high = self.low = self.price
        self.volume = 0
        self.lower = _on_tick(self.close * (1 - self.band), self.tick, ROUND_CEILING)
        self.upper = _on_tick(self.close * (1 + self.band), self.tick, ROUND_FLOOR)


@dataclass
class _Holding:
    quantity: int = 0
    t1: int = 0
    average: Decimal = Decimal(0)


@dataclass
class _Order:
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
        return 0 if self.status in FINAL else self.quantity - self.filled

    @property
    def average(self) -> Decimal:
        if not self.filled:
            return Decimal(0)
        return (self.filled_value / self.filled).quantize(AVERAGE, ROUND_HALF_UP).normalize()


@dataclass
class _Trade:
    trade_id: str
    order: _Order
    quantity: int
    price: Decimal
    at: datetime


@dataclass
class _Session:
    access_token: str
    public_token: str
    login_time: datetime
    expires: datetime
    valid: bool = True


@dataclass
class _Totals:
    bought: int = 0
    bought_value: Decimal = Decimal(0)
    sold: int = 0
    sold_value: Decimal = Decimal(0)

    @property
    def net(self) -> int:
        return self.bought - self.sold


class _Window:
    """Hits admitted in the last ``seconds`` (a sliding window)."""

    def __init__(self, reason: str, limit: int, seconds: float) -> None:
        self.reason, self.limit, self.seconds = reason, limit, seconds
        self.hits: deque[float] = deque()

    def full(self, now: float) -> bool:
        while self.hits and self.hits[0] <= now - self.seconds:
            self.hits.popleft()
        return len(self.hits) >= self.limit


def _on_tick(value: Decimal, tick: Decimal, rounding: str) -> Decimal:
    return (value / tick).to_integral_value(rounding) * tick


def _timestamp(moment: datetime | None) -> str | None:
    return moment.strftime(TIMESTAMP) if moment else None


def _decimal(value: str | None, name: str) -> Decimal:
    try:
        number = Decimal(value or "0")
    except InvalidOperation:
        raise _input(f"Invalid `{name}`.") from None
    if not number.is_finite():
        raise _input(f"Invalid `{name}`.")
    return number


def _integer(value: str | None, name: str, default: int = 0) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise _input(f"Invalid `{name}`.") from None


class FakeExchange:
    """One Zerodha account on a simulated NSE (see the module doc); the state of `FakeKite`."""

    def __init__(
        self,
        *,
        api_key: str = "fake_api_key",
        api_secret: str = "fake_api_secret",
        user_id: str = "AB1234",
        limits: FakeLimits = FakeLimits(),
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        postback_url: str | None = None,
        cash: Decimal = Decimal("0"),
    ) -> None:
        self._lock = threading.RLock()
        self.api_key, self.api_secret, self.user_id = api_key, api_secret, user_id
        self.limits = limits
        self._now = now or (lambda: datetime.now(IST))
        self._monotonic = monotonic
        self.postback_url = postback_url
        self.cash = cash
        # market behaviour and faults (plain attributes, set them freely)
        self.fill = "immediate"
        self.partial_ratio: Decimal | float = Decimal("0.5")
        self.lose_responses = 0
        self.lose_requests = 0
        self.lost_response_seconds = 1.0
        self.reject_next: list[str] = []
        self.input_error_next: list[str] = []
        self.throttle_next = 0
        self.book_lag = 0
        # counters
        self.placements = 0
        self.throttled = 0
        self.throttled_by: Counter[str] = Counter()
        self.charges_debited = Decimal(0)
        self._requests: list[tuple[str, str]] = []
        self.outbox: Queue[dict[str, Any] | None] = Queue()  # postbacks to send

        self._instruments: dict[str, _Instrument] = {}
        self._by_token: dict[int, _Instrument] = {}
        self._holdings: dict[str, _Holding] = {}
        self._orders: list[_Order] = []
        self._by_id: dict[str, _Order] = {}
        self._trades: list[_Trade] = []
        self._request_tokens: dict[str, datetime] = {}
        self._sessions: dict[str, _Session] = {}
        self._day = self._clock().date()
        self._closed = False
        self._dp_charged: set[str] = set()
        self._next_order = int(self._day.strftime("%y%m%d")) * 10**9 + 1
        self._next_trade = 10_000_001
        self._orders_listed = 0
        self._windows = {
            "orders": [
                _Window("orders_per_second", limits.orders_per_second, 1),
                _Window("orders_per_minute", limits.orders_per_minute, 60),
                _Window("orders_per_day", limits.orders_per_day, 86_400),
            ],
            "quotes": [_Window("quotes_per_second", limits.quotes_per_second, 1)],
            "historical": [_Window("historical_per_second", limits.historical_per_second, 1)],
            "other": [_Window("other_per_second", limits.other_per_second, 1)],
        }

    # -- market set-up ----------------------------------------------------------------------

    def list_instrument(
        self,
        symbol: str,
        *,
        token: int,
        price: Decimal,
        tick_size: Decimal = Decimal("0.05"),
        lot_size: int = 1,
        name: str = "",
        band: Decimal = Decimal("0.20"),
    ) -> None:
        """List (or re-list) an NSE equity; circuits are ``price × (1 ± band)`` on the tick."""
        with self._lock:
            old = self._instruments.get(symbol)
            if old is not None:
                del self._by_token[old.token]
            instrument = _Instrument(
                symbol, token, name or symbol, tick_size, lot_size, band, Decimal(price)
            )
            instrument.new_day()
            if old is not None:
                instrument.candles, instrument.volume = old.candles, old.volume
            self._instruments[symbol] = instrument
            self._by_token[token] = instrument

    def set_price(self, symbol: str, price: Decimal) -> None:
        """Move the last traded price (within the day's circuit limits, else `ValueError`)."""
        with self._lock:
            self._tick()
            instrument = self._instrument(symbol)
            price = Decimal(price)
            if not instrument.lower <= price <= instrument.upper:
                raise ValueError(
                    f"{symbol} {price} is outside its circuit limits "
                    f"{instrument.lower}-{instrument.upper}; re-list it to move the band"
                )
            instrument.price = price
            instrument.high = max(instrument.high, price)
            instrument.low = min(instrument.low, price)

    def add_candles(
        self, symbol: str, rows: Iterable[tuple[date, Decimal, Decimal, Decimal, Decimal, int]]
    ) -> None:
        """Add daily candles (date, open, high, low, close, volume) for historical data."""
        with self._lock:
            instrument = self._instrument(symbol)
            for day, o, h, low, c, v in rows:
                instrument.candles[day] = (Decimal(o), Decimal(h), Decimal(low), Decimal(c), v)

    def set_holding(
        self, symbol: str, quantity: int, *, t1: int = 0, average_price: Decimal = Decimal("0")
    ) -> None:
        """Set the settled and T1 quantity held (average price defaults to the last price)."""
        with self._lock:
            instrument = self._instrument(symbol)
            average = Decimal(average_price) or instrument.price
            self._holdings[symbol] = _Holding(quantity, t1, average)

    def fill_open(self, symbol: str | None = None) -> int:
        """Fill every marketable OPEN order in full at the current price; returns trades made."""
        with self._lock:
            self._tick()
            made = 0
            for order in self._orders:
                if order.status == "OPEN" and symbol in (None, order.symbol):
                    made += self._match(order, "immediate")
            return made

    def close_market(self) -> int:
        """End of day: expire OPEN orders and debit the day's charges; returns orders expired."""
        with self._lock:
            self._tick()
            return self._close()

    # -- sessions ---------------------------------------------------------------------------

    def issue_request_token(self) -> str:
        """The request token Kite's login page would redirect with (single use, 5 minutes)."""
        with self._lock:
            token = secrets.token_hex(16)
            self._request_tokens[token] = self._clock()
            return token

    def expire_sessions(self) -> None:
        """The 06:00 expiry: every access token issued so far is refused from now on."""
        with self._lock:
            for session in self._sessions.values():
                session.valid = False

    # -- inspection -------------------------------------------------------------------------

    def orders(self) -> list[dict[str, Any]]:
        """Today's orders as Kite shows them (ignoring `book_lag`), with `Decimal` prices."""
        with self._lock:
            self._tick()
            return [self._order_row(o) for o in self._orders]

    def trades(self) -> list[dict[str, Any]]:
        """Today's trades as Kite shows them, with `Decimal` prices."""
        with self._lock:
            self._tick()
            return [self._trade_row(t) for t in self._trades]

    def holdings_of(self) -> dict[str, int]:
        """Total shares held per symbol: settled + T1 + today's net."""
        with self._lock:
            self._tick()
            totals = self._totals()
            held = {s: h.quantity + h.t1 for s, h in self._holdings.items()}
            for symbol, total in totals.items():
                held[symbol] = held.get(symbol, 0) + total.net
            return {s: q for s, q in sorted(held.items()) if q}

    @property
    def requests(self) -> list[tuple[str, str]]:
        """Every request served so far, as (method, path)."""
        with self._lock:
            return list(self._requests)

    def snapshot(self) -> dict[str, Any]:
        """Orders, trades, money and counters (``GET /_fake/state``)."""
        with self._lock:
            self._tick()
            return {
                "day": self._day.isoformat(),
                "orders": self.orders(),
                "trades": self.trades(),
                "holdings": self.holdings_of(),
                "cash": self.cash,
                "net": self._net_cash(),
                "charges_debited": self.charges_debited,
                "placements": self.placements,
                "throttled": self.throttled,
                "throttled_by": dict(self.throttled_by),
                "requests": len(self._requests),
            }

    # -- the HTTP layer's hooks -------------------------------------------------------------

    def record_request(self, method: str, path: str) -> None:
        """Log one request."""
        with self._lock:
            self._requests.append((method, path))

    def take_fault(self, name: str) -> bool:
        """Consume one of the counted faults (``throttle_next``, ``lose_requests``, ...)."""
        with self._lock:
            left: int = getattr(self, name)
            if left <= 0:
                return False
            setattr(self, name, left - 1)
            if name == "throttle_next":
                self._count_throttle("injected")
            return True

    def admit(self, category: str) -> str | None:
        """Admit one request of a rate-limit category, or return the limit it is over."""
        with self._lock:
            windows = self._windows[category]
            moment = self._monotonic()
            for window in windows:
                if window.full(moment):
                    self._count_throttle(window.reason)
                    return window.reason
            for window in windows:
                window.hits.append(moment)
            return None

    def authenticate(self, authorization: str | None) -> None:
        """Check an ``Authorization: token api_key:access_token`` header (403 if not valid)."""
        with self._lock:
            self._tick()
            scheme, _, credentials = (authorization or "").partition(" ")
            api_key, _, access_token = credentials.partition(":")
            session = self._sessions.get(access_token)
            if (
                scheme != "token"
                or api_key != self.api_key
                or session is None
                or not session.valid
                or self._clock() >= session.expires
            ):
                raise KiteError(403, "TokenException", BAD_TOKEN)

    # -- session routes ---------------------------------------------------------------------

    def create_session(self, form: Mapping[str, str]) -> dict[str, Any]:
        """``POST /session/token``: exchange a request token for an access token."""
        with self._lock:
            self._tick()
            if form.get("api_key") != self.api_key:
                raise KiteError(403, "TokenException", "Invalid `api_key`.")
            request_token = form.get("request_token", "")
            issued = self._request_tokens.get(request_token)
            if issued is None or self._clock() - issued > REQUEST_TOKEN_LIFE:
                raise KiteError(403, "TokenException", "Token is invalid or has expired.")
            expected = hashlib.sha256(
                (self.api_key + request_token + self.api_secret).encode()
            ).hexdigest()
            if not secrets.compare_digest(form.get("checksum", ""), expected):
                raise KiteError(403, "TokenException", "Invalid `checksum`.")
            del self._request_tokens[request_token]
            for old in self._sessions.values():
                old.valid = False
            login = self._clock()
            six = login.replace(hour=6, minute=0, second=0, microsecond=0)
            session = _Session(
                access_token=secrets.token_hex(16),
                public_token=secrets.token_hex(16),
                login_time=login,
                expires=six if login < six else six + timedelta(days=1),
            )
            self._sessions[session.access_token] = session
            return {
                **self.profile(),
                "api_key": self.api_key,
                "access_token": session.access_token,
                "public_token": session.public_token,
                "refresh_token": "",
                "enctoken": "",
                "silo": "",
                "login_time": login.strftime(TIMESTAMP),
            }

    def invalidate(self, access_token: str) -> bool:
        """``DELETE /session/token``: log the access token out."""
        with self._lock:
            session = self._sessions.get(access_token)
            if session is not None:
                session.valid = False
            return True

    def profile(self) -> dict[str, Any]:
        """``GET /user/profile``."""
        return {
            "user_id": self.user_id,
            "user_type": "individual",
            "email": f"{self.user_id.lower()}@example.com",
            "user_name": "Fake Kite User",
            "user_shortname": "Fake",
            "broker": "ZERODHA",
            "exchanges": ["NSE", "BSE"],
            "products": ["CNC", "NRML", "MIS"],
            "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
            "avatar_url": None,
            "meta": {"demat_consent": "physical"},
        }

    # -- account routes ---------------------------------------------------------------------

    def margins(self, segment: str | None) -> dict[str, Any]:
        """``GET /user/margins[/{segment}]``."""
        with self._lock:
            self._tick()
            bought = sum((t.bought_value for t in self._totals().values()), Decimal(0))
            sold = sum((t.sold_value for t in self._totals().values()), Decimal(0))
            net = self.cash - bought + sold
            equity = self._segment(self.cash, net, bought, sold)
            commodity = self._segment(Decimal(0), Decimal(0), Decimal(0), Decimal(0))
            if segment is None:
                return {"equity": equity, "commodity": commodity}
            if segment == "equity":
                return equity
            if segment == "commodity":
                return commodity
            raise _input("Invalid segment.")

    @staticmethod
    def _segment(cash: Decimal, net: Decimal, bought: Decimal, sold: Decimal) -> dict[str, Any]:
        zero = Decimal(0)
        return {
            "enabled": True,
            "net": net,
            "available": {
                "adhoc_margin": zero,
                "cash": cash,
                "opening_balance": cash,
                "live_balance": net,
                "collateral": zero,
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

    def holdings(self) -> list[dict[str, Any]]:
        """``GET /portfolio/holdings``: settled and T1 quantities; today's trades are positions."""
        with self._lock:
            self._tick()
            totals = self._totals()
            rows = []
            for symbol, holding in sorted(self._holdings.items()):
                instrument = self._instruments[symbol]
                held = holding.quantity + holding.t1
                if not held:
                    continue
                today = totals.get(symbol, _Totals())
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
                        "quantity": holding.quantity,
                        "used_quantity": used,
                        "t1_quantity": holding.t1,
                        "realised_quantity": holding.quantity,
                        "authorised_quantity": 0,
                        "authorised_date": self._day.strftime(TIMESTAMP),
                        "authorisation": {},
                        "opening_quantity": holding.quantity,
                        "short_quantity": 0,
                        "collateral_quantity": 0,
                        "collateral_type": "",
                        "discrepancy": False,
                        "average_price": holding.average,
                        "last_price": instrument.price,
                        "close_price": instrument.close,
                        "pnl": (instrument.price - holding.average) * held,
                        "day_change": change,
                        "day_change_percentage": (
                            change * 100 / instrument.close if instrument.close else Decimal(0)
                        ),
                    }
                )
            return rows

    def positions(self) -> dict[str, list[dict[str, Any]]]:
        """``GET /portfolio/positions``: today's trades per symbol and product (net = day)."""
        with self._lock:
            self._tick()
            rows = []
            for (symbol, product), t in sorted(self._totals(by_product=True).items()):
                instrument = self._instruments[symbol]
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

    # -- market data routes -----------------------------------------------------------------

    def instruments_csv(self, exchange: str | None) -> str:
        """``GET /instruments[/{exchange}]``: the instrument dump as CSV."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(INSTRUMENT_COLUMNS)
        with self._lock:
            if exchange in (None, "NSE"):
                for i in self._instruments.values():
                    price = float(i.close)
                    row = (i.token, i.token // 256, i.symbol, i.name, price, "", 0.0, i.tick, i.lot)
                    writer.writerow((*row, "EQ", "NSE", "NSE"))
        return out.getvalue()

    def quote(self, kind: str, keys: list[str]) -> dict[str, Any]:
        """``GET /quote``, ``/quote/ohlc`` or ``/quote/ltp`` (unknown instruments are absent)."""
        limit = MAX_QUOTE_INSTRUMENTS[kind]
        if len(keys) > limit:
            raise _input(f"Maximum of {limit} instruments allowed per request.")
        with self._lock:
            self._tick()
            stamp = self._clock().strftime(TIMESTAMP)
            found: dict[str, Any] = {}
            for key in keys:
                instrument = self._lookup(key)
                if instrument is None:
                    continue
                row: dict[str, Any] = {
                    "instrument_token": instrument.token,
                    "last_price": instrument.price,
                }
                ohlc = {
                    "open": instrument.open,
                    "high": instrument.high,
                    "low": instrument.low,
                    "close": instrument.close,
                }
                if kind in ("quote", "ohlc"):
                    row["ohlc"] = ohlc
                if kind == "quote":
                    empty = [{"price": Decimal(0), "quantity": 0, "orders": 0}] * 5
                    row.update(
                        timestamp=stamp,
                        last_trade_time=stamp,
                        last_quantity=0,
                        buy_quantity=0,
                        sell_quantity=0,
                        volume=instrument.volume,
                        average_price=instrument.price,
                        oi=0,
                        oi_day_high=0,
                        oi_day_low=0,
                        net_change=instrument.price - instrument.close,
                        lower_circuit_limit=instrument.lower,
                        upper_circuit_limit=instrument.upper,
                        depth={"buy": [dict(d) for d in empty], "sell": [dict(d) for d in empty]},
                    )
                found[key] = row
            return found

    def historical(self, token: str, interval: str, query: Mapping[str, str]) -> dict[str, Any]:
        """``GET /instruments/historical/{token}/{interval}``: daily candles from `add_candles`."""
        if interval not in HISTORICAL_MAX_DAYS:
            raise _input("Invalid interval.")
        start, end = _moment(query.get("from"), "from"), _moment(query.get("to"), "to")
        if end < start:
            raise _input("Invalid `to` date: earlier than `from`.")
        limit = HISTORICAL_MAX_DAYS[interval]
        if (end - start).days > limit:
            raise _input(f"interval exceeds max limit: {limit} days")
        with self._lock:
            instrument = self._by_token.get(int(token)) if token.isdigit() else None
            if instrument is None:
                raise _input("invalid token")
            candles = []
            if interval == "day":
                for day in sorted(instrument.candles):
                    if start.date() <= day <= end.date():
                        o, h, low, c, v = instrument.candles[day]
                        candles.append([f"{day.isoformat()}T00:00:00+0530", o, h, low, c, v])
            return {"candles": candles}

    # -- order routes -----------------------------------------------------------------------

    def place_order(self, variety: str, form: Mapping[str, str]) -> str:
        """``POST /orders/{variety}``: validate, record, check as RMS does, and match."""
        with self._lock:
            self._tick()
            if self.input_error_next:
                raise _input(self.input_error_next.pop(0))
            order = self._new_order(variety, form)
            self._orders.append(order)
            self._by_id[order.order_id] = order
            self.placements += 1
            self._snap(order)
            order.status = "VALIDATION PENDING"
            self._snap(order)
            reason = self.reject_next.pop(0) if self.reject_next else self._rms(order)
            if reason is not None:
                order.status, order.status_message = "REJECTED", reason
                order.updated = order.placed
                self._snap(order, notify=True)
                return order.order_id
            order.exchange_order_id = str(1_300_000_000_000_000 + int(order.order_id) % 10**12)
            order.exchange_at = order.updated = self._clock()
            order.status = "OPEN PENDING"
            self._snap(order)
            order.status = "OPEN"
            self._snap(order)
            self._match(order, self.fill)
            self._expire_ioc(order)
            return order.order_id

    def modify_order(self, variety: str, order_id: str, form: Mapping[str, str]) -> str:
        """``PUT /orders/{variety}/{order_id}``: change an OPEN order's price or quantity."""
        with self._lock:
            self._tick()
            order = self._order(variety, order_id)
            if order.status != "OPEN":
                raise _input(f"Order cannot be modified as it is {order.status.lower()}.")
            if order.modifications >= self.limits.modifications_per_order:
                raise _input("Maximum allowed order modifications exceeded.")
            instrument = self._instruments[order.symbol]
            quantity = _integer(form.get("quantity"), "quantity", order.quantity)
            if quantity <= order.filled or quantity % instrument.lot:
                raise _input("Invalid `quantity`.")
            order_type = form.get("order_type") or order.order_type
            if order_type not in ("LIMIT", "MARKET"):
                raise _input("Invalid `order_type`.")
            if "market_protection" in form:
                order.market_protection = _protection(form["market_protection"])
            if order_type == "MARKET":
                if not order.market_protection:
                    raise _input(MARKET_WITHOUT_PROTECTION)
                price = Decimal(0)
            else:
                price = _decimal(form.get("price"), "price") if "price" in form else order.price
                problem = self._price_problem(instrument, price)
                if problem:
                    raise _input(problem)
            order.quantity, order.price, order.order_type = quantity, price, order_type
            order.disclosed = _integer(
                form.get("disclosed_quantity"), "disclosed_quantity", order.disclosed
            )
            order.modifications += 1
            order.placed = order.updated = self._clock()
            for status in ("MODIFY VALIDATION PENDING", "MODIFY PENDING"):
                order.status = status
                self._snap(order)
            order.status = "OPEN"
            self._snap(order, notify=True, event="UPDATE")
            self._match(order, self.fill)
            return order.order_id

    def cancel_order(self, variety: str, order_id: str) -> str:
        """``DELETE /orders/{variety}/{order_id}``: cancel what is left of an OPEN order."""
        with self._lock:
            self._tick()
            order = self._order(variety, order_id)
            if order.status != "OPEN":
                raise _input(f"Order cannot be cancelled as it is {order.status.lower()}.")
            order.status = "CANCEL PENDING"
            self._snap(order)
            self._finish(order, "CANCELLED", None)
            return order.order_id

    def order_book(self) -> list[dict[str, Any]]:
        """``GET /orders``: today's orders, each only after `book_lag` further calls."""
        with self._lock:
            self._tick()
            rows = [self._order_row(o) for o in self._orders if o.hidden_for <= 0]
            for order in self._orders:
                order.hidden_for -= 1
            return rows

    def order_history(self, order_id: str) -> list[dict[str, Any]]:
        """``GET /orders/{order_id}``: the order's status rows, oldest first."""
        with self._lock:
            self._tick()
            return [dict(row) for row in self._order(None, order_id).history]

    def trade_book(self, order_id: str | None = None) -> list[dict[str, Any]]:
        """``GET /trades`` or ``GET /orders/{order_id}/trades``."""
        with self._lock:
            self._tick()
            if order_id is not None:
                self._order(None, order_id)
            return [
                self._trade_row(t)
                for t in self._trades
                if order_id is None or t.order.order_id == order_id
            ]

    def contract_note(self, body: Any) -> list[dict[str, Any]]:
        """``POST /charges/orders``: per-order charges as a contract note computes them."""
        if not isinstance(body, list):
            raise _input("Invalid JSON: expected a list of orders.")
        rows = []
        for item in body:
            if not isinstance(item, dict):
                raise _input("Invalid JSON: expected a list of orders.")
            side = item.get("transaction_type")
            if side not in ("BUY", "SELL"):
                raise _input("Invalid `transaction_type`.")
            if item.get("exchange", "NSE") not in ("NSE", "BSE"):
                raise _input("Only NSE and BSE equity charges are simulated.")
            quantity = _integer(str(item.get("quantity", "")), "quantity")
            price = _decimal(str(item.get("average_price", item.get("price", ""))), "price")
            if quantity <= 0 or price < 0:
                raise _input("Invalid `quantity` or `average_price`.")
            charges = order_charges(side, quantity * price, str(item.get("product", "CNC")))
            rows.append({**item, "price": item.get("average_price"), "charges": charges.to_json()})
        return rows

    # -- internals --------------------------------------------------------------------------

    def _clock(self) -> datetime:
        return self._now().astimezone(IST)

    def _tick(self) -> None:
        today = self._clock().date()
        if today <= self._day:
            return
        if not self._closed:
            self._close()
        for symbol, t in self._totals().items():
            holding = self._holdings.setdefault(symbol, _Holding())
            held = holding.quantity + holding.t1
            if t.net > 0:
                average = (holding.average * held + t.bought_value / t.bought * t.net) / (
                    held + t.net
                )
                holding.average = average.quantize(AVERAGE, ROUND_HALF_UP)
            holding.quantity, holding.t1 = held + min(0, t.net), max(0, t.net)
            self.cash += t.sold_value - t.bought_value
        self._holdings = {s: h for s, h in self._holdings.items() if h.quantity + h.t1}
        for instrument in self._instruments.values():
            instrument.new_day()
        self._orders, self._by_id, self._trades = [], {}, []
        self._dp_charged = set()
        self._day, self._closed = today, False

    def _close(self) -> int:
        expired = 0
        for order in self._orders:
            if order.status == "OPEN":
                self._finish(order, "CANCELLED", EXPIRED_AT_CLOSE)
                expired += 1
        debit = Decimal(0)
        for order in self._orders:
            if order.filled and not order.charged:
                debit += order_charges(order.side, order.filled_value, order.product).total
                order.charged = True
        for symbol, t in self._totals().items():
            if t.sold and symbol not in self._dp_charged:
                debit += DP_CHARGE
                self._dp_charged.add(symbol)
        self.cash -= debit
        self.charges_debited += debit
        self._closed = True
        return expired

    def _count_throttle(self, reason: str) -> None:
        self.throttled += 1
        self.throttled_by[reason] += 1

    def _instrument(self, symbol: str) -> _Instrument:
        instrument = self._instruments.get(symbol)
        if instrument is None:
            raise KeyError(f"{symbol} is not listed: call list_instrument first")
        return instrument

    def _lookup(self, key: str) -> _Instrument | None:
        if key.isdigit():
            return self._by_token.get(int(key))
        exchange, _, symbol = key.partition(":")
        return self._instruments.get(symbol) if exchange == "NSE" else None

    def _order(self, variety: str | None, order_id: str) -> _Order:
        if variety is not None and variety != "regular":
            raise _input("Invalid `variety`.")
        order = self._by_id.get(order_id)
        if order is None:
            raise _input("Couldn't find that `order_id`.")
        return order

    def _new_order(self, variety: str, form: Mapping[str, str]) -> _Order:
        if variety != "regular" or form.get("variety", variety) != variety:
            raise _input("Invalid `variety`.")
        if form.get("exchange") != "NSE":
            raise _input("Invalid `exchange`.")
        instrument = self._instruments.get(form.get("tradingsymbol", ""))
        if instrument is None:
            raise _input("Invalid `tradingsymbol`.")
        side = form.get("transaction_type")
        if side not in ("BUY", "SELL"):
            raise _input("Invalid `transaction_type`.")
        quantity = _integer(form.get("quantity"), "quantity")
        if quantity <= 0 or quantity % instrument.lot:
            raise _input("Invalid `quantity`.")
        product = form.get("product")
        if product not in ("CNC", "MIS", "NRML"):
            raise _input("Invalid `product`.")
        order_type = form.get("order_type")
        if order_type not in ("LIMIT", "MARKET"):
            raise _input("Invalid `order_type` (the fake takes LIMIT and MARKET).")
        protection = _protection(form.get("market_protection"))
        if order_type == "MARKET":
            if not protection:
                raise _input(MARKET_WITHOUT_PROTECTION)
            price = Decimal(0)
        else:
            price = _decimal(form.get("price"), "price")
            if price <= 0:
                raise _input("Invalid `price`.")
        validity = form.get("validity") or "DAY"
        if validity not in ("DAY", "IOC"):
            raise _input("Invalid `validity` (the fake takes DAY and IOC).")
        tag = form.get("tag") or None
        if tag is not None and not TAG.fullmatch(tag):
            raise _input("Invalid `tag`: alphanumeric, at most 20 characters.")
        order_id = str(self._next_order)
        self._next_order += 1
        return _Order(
            order_id=order_id,
            guid=secrets.token_hex(8),
            placed=self._clock(),
            variety=variety,
            symbol=instrument.symbol,
            token=instrument.token,
            order_type=order_type,
            side=side,
            validity=validity,
            product=product,
            quantity=quantity,
            price=price,
            trigger=_decimal(form.get("trigger_price"), "trigger_price"),
            disclosed=_integer(form.get("disclosed_quantity"), "disclosed_quantity"),
            market_protection=protection,
            tag=tag,
            hidden_for=self.book_lag,
        )

    @staticmethod
    def _price_problem(instrument: _Instrument, price: Decimal) -> str | None:
        if price <= 0 or price % instrument.tick:
            return (
                f"Tick size for this script is {instrument.tick}. Kindly enter price in the "
                "multiple of tick size for this script"
            )
        if price > instrument.upper:
            return (
                f"Your order price is higher than the current upper circuit limit of "
                f"{instrument.upper}. Place an order within the daily range."
            )
        if price < instrument.lower:
            return (
                f"Your order price is lower than the current lower circuit limit of "
                f"{instrument.lower}. Place an order within the daily range."
            )
        return None

    def _rms(self, order: _Order) -> str | None:
        instrument = self._instruments[order.symbol]
        if order.order_type == "LIMIT":
            problem = self._price_problem(instrument, order.price)
            if problem:
                return problem
        if order.side == "SELL" and order.product == "CNC":
            holding = self._holdings.get(order.symbol, _Holding())
            today = self._totals().get(order.symbol, _Totals())
            selling = sum(
                o.pending
                for o in self._orders
                if o is not order
                and o.symbol == order.symbol
                and o.side == "SELL"
                and o.product == "CNC"
            )
            available = holding.quantity + holding.t1 + today.net - selling
            if order.quantity > available:
                return (
                    f"Insufficient holdings: {max(available, 0)} {order.symbol} available "
                    f"to sell, order is for {order.quantity}."
                )
        return None

    def _match(self, order: _Order, mode: str) -> int:
        if mode not in FILL_MODES:
            raise ValueError(f"fill must be one of {FILL_MODES}, not {mode!r}")
        instrument = self._instruments[order.symbol]
        marketable = (
            order.order_type == "MARKET"
            or (order.side == "BUY" and order.price >= instrument.price)
            or (order.side == "SELL" and order.price <= instrument.price)
        )
        if mode == "none" or order.status != "OPEN" or not marketable:
            return 0
        quantity = order.pending
        if mode == "partial":
            ratio = Decimal(str(self.partial_ratio))
            quantity = min(quantity, max(1, int((quantity * ratio).to_integral_value(ROUND_FLOOR))))
        moment = self._clock()
        self._trades.append(
            _Trade(str(self._next_trade), order, quantity, instrument.price, moment)
        )
        self._next_trade += 1
        order.filled += quantity
        order.filled_value += quantity * instrument.price
        order.updated = moment
        instrument.volume += quantity
        if order.filled == order.quantity:
            self._finish(order, "COMPLETE", None)
        else:
            self._snap(order, notify=True, event="UPDATE")
        return 1

    def _expire_ioc(self, order: _Order) -> None:
        if order.validity == "IOC" and order.status == "OPEN":
            self._finish(order, "CANCELLED", "IOC order cancelled: not filled in full at once")

    def _finish(self, order: _Order, status: str, message: str | None) -> None:
        if status == "CANCELLED":
            order.cancelled = order.quantity - order.filled
        order.status, order.status_message = status, message
        order.updated = self._clock()
        self._snap(order, notify=True)

    def _snap(self, order: _Order, *, notify: bool = False, event: str | None = None) -> None:
        row = self._order_row(order)
        order.history.append(row)
        if notify and self.postback_url:
            payload = {
                "user_id": self.user_id,
                "unfilled_quantity": order.pending,
                "app_id": int(hashlib.sha256(self.api_key.encode()).hexdigest()[:6], 16),
                "checksum": hashlib.sha256(
                    (order.order_id + row["order_timestamp"] + self.api_secret).encode()
                ).hexdigest(),
                **row,
                "status": event or order.status,
            }
            payload.pop("tags", None)
            self.outbox.put(payload)

    def _order_row(self, o: _Order) -> dict[str, Any]:
        return {
            "placed_by": self.user_id,
            "order_id": o.order_id,
            "exchange_order_id": o.exchange_order_id,
            "parent_order_id": None,
            "status": o.status,
            "status_message": o.status_message,
            "status_message_raw": o.status_message,
            "order_timestamp": o.placed.strftime(TIMESTAMP),
            "exchange_update_timestamp": _timestamp(o.updated),
            "exchange_timestamp": _timestamp(o.exchange_at),
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
            "tags": [o.tag] if o.tag else [],
            "guid": o.guid,
        }

    def _trade_row(self, t: _Trade) -> dict[str, Any]:
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

    def _totals(self, *, by_product: bool = False) -> dict[Any, _Totals]:
        totals: dict[Any, _Totals] = {}
        for t in self._trades:
            key = (t.order.symbol, t.order.product) if by_product else t.order.symbol
            total = totals.setdefault(key, _Totals())
            if t.order.side == "BUY":
                total.bought += t.quantity
                total.bought_value += t.quantity * t.price
            else:
                total.sold += t.quantity
                total.sold_value += t.quantity * t.price
        return totals

    def _net_cash(self) -> Decimal:
        totals = self._totals().values()
        return self.cash + sum((t.sold_value - t.bought_value for t in totals), Decimal(0))


def _protection(value: str | None) -> Decimal:
    protection = _decimal(value, "market_protection")
    if protection != -1 and not 0 <= protection <= 100:
        raise _input("Invalid `market_protection`: -1 (auto) or 0 to 100.")
    return protection


def _moment(value: str | None, name: str) -> datetime:
    for layout in (TIMESTAMP, "%Y-%m-%d"):
        try:
            return datetime.strptime(value or "", layout)
        except ValueError:
            continue
    raise _input(f"Invalid `{name}` date.")
