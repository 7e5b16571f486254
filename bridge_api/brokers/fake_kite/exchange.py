"""The simulated Zerodha account and NSE order book behind the fake Kite server.

`FakeExchange` puts the parts together under one lock: the logins (`logins`), the rate limits
(`limits`), the market (`market`), the order book and its matching (`book`), the demat and
funds (`account`), and Kite's wire format (`wire`). Money is `Decimal`; the dicts returned
here carry `Decimal` prices (the HTTP layer renders them as JSON numbers). Behaviour and
faults are plain attributes a test sets freely (``fill``, ``lose_responses``, ``book_lag``...).

The trading day is the IST date of ``now()``. When ``now()`` reaches a later date the book
rolls over: the old day is closed as by `close_market` (if it was not already), today's net
quantities become T1 holdings (yesterday's T1 settle), cash takes the day's trades, the order
and trade books are emptied and circuit limits are re-centred on the last price.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from queue import Queue
from typing import Any

from bridge_api.brokers.fake_kite import account
from bridge_api.brokers.fake_kite.account import Account, Holding
from bridge_api.brokers.fake_kite.book import Book
from bridge_api.brokers.fake_kite.limits import FakeLimits, RateWindows
from bridge_api.brokers.fake_kite.logins import Logins
from bridge_api.brokers.fake_kite.market import Market
from bridge_api.brokers.fake_kite.wire import AVERAGE, TIMESTAMP, WORKING, Order, input_error
from bridge_api.calendar import IST

ALGO_ID_REQUIRED = "Invalid `algo_id`: orders from this app must carry its registered algo ID."


class FakeExchange:
    """One Zerodha account on a simulated NSE (see the module doc); the state of `FakeKite`."""

    def __init__(
        self,
        *,
        api_key: str = "fake_api_key",
        api_secret: str = "fake_api_secret",
        user_id: str = "AB1234",
        limits: FakeLimits = FakeLimits(),  # noqa: B008 - frozen, so sharing it is safe
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        postback_url: str | None = None,
        cash: Decimal = Decimal("0"),
    ) -> None:
        self._lock = threading.RLock()
        self.api_key, self.api_secret, self.user_id = api_key, api_secret, user_id
        self.limits = limits
        self._now = now or (lambda: datetime.now(IST))
        self._offset = timedelta(0)
        self._monotonic = monotonic
        self.postback_url = postback_url
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
        self.brokerage_per_order = Decimal(0)  # what the broker charges beyond the table
        self.contract_note_lines_lost = 0  # the contract note leaves out its last lines
        self.algo_id: str | None = None  # when set, every placement must carry this algo_id
        self.modified_lingers = False  # a modified order shows MODIFIED until its next event
        # counters
        self.placements = 0
        self._requests: list[tuple[str, str]] = []
        self.outbox: Queue[dict[str, Any] | None] = Queue()  # postbacks to send

        self._day = self._clock().date()
        self._logins = Logins(api_key, api_secret, user_id)
        self._windows = RateWindows(limits)
        self._market = Market()
        self._book = Book(self._day, user_id, self._queue_postback)
        self._account = Account(cash)

    # -- money and counters the tests read ---------------------------------------------------

    @property
    def cash(self) -> Decimal:
        """The account's cash at the start of the day (the day's trades settle at the roll)."""
        return self._account.cash

    @cash.setter
    def cash(self, value: Decimal) -> None:
        self._account.cash = value

    @property
    def charges_debited(self) -> Decimal:
        """Every day's charges worked out at its close so far (the contract notes and DP),
        each debited from cash at the roll into the next day."""
        return self._account.charges_debited

    @property
    def collateral(self) -> Decimal:
        """Margin from pledged holdings: part of ``net`` in the margins, not cash."""
        return self._account.collateral

    @collateral.setter
    def collateral(self, value: Decimal) -> None:
        self._account.collateral = value

    def next_day(self) -> None:
        """Move the fake's clock on by a day (the book rolls; tokens of the old day expire)."""
        with self._lock:
            self._offset += timedelta(days=1)
            self._tick()

    @property
    def throttled(self) -> int:
        """Requests answered 429 so far."""
        return self._windows.throttled

    @property
    def throttled_by(self) -> Counter[str]:
        """Requests answered 429 so far, per limit (``injected`` for `throttle_next`)."""
        return self._windows.throttled_by

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
            self._market.list_instrument(
                symbol,
                token=token,
                price=price,
                tick_size=tick_size,
                lot_size=lot_size,
                name=name,
                band=band,
            )

    def list_other_series(self, symbol: str, *, token: int, name: str) -> None:
        """Put a row of another NSE series (``X-BE``, ``X-BL``, an SGB ``-GB``, a bond ``-N8``)
        in the instrument dump, typed EQ as Kite types them; it is not tradable here."""
        with self._lock:
            self._market.other_series[symbol] = (token, name)

    def delist(self, symbol: str) -> None:
        """Take a symbol off the market (suspended, renamed, delisted): no quote, no orders."""
        with self._lock:
            self._market.delist(symbol)

    def set_price(self, symbol: str, price: Decimal) -> None:
        """Move the last traded price (within the day's circuit limits, else `ValueError`)."""
        with self._lock:
            self._tick()
            self._market.set_price(symbol, price)

    def add_candles(
        self, symbol: str, rows: Iterable[tuple[date, Decimal, Decimal, Decimal, Decimal, int]]
    ) -> None:
        """Add daily candles (date, open, high, low, close, volume) for historical data."""
        with self._lock:
            self._market.add_candles(symbol, rows)

    def set_holding(
        self,
        symbol: str,
        quantity: int,
        *,
        t1: int = 0,
        average_price: Decimal = Decimal("0"),
        pledged: int = 0,
        mtf: int = 0,
    ) -> None:
        """Set the settled and T1 quantity held, how many of the settled are pledged, and the
        MTF quantity (average price defaults to the last price)."""
        with self._lock:
            instrument = self._market.get(symbol)
            average = Decimal(average_price) or instrument.price
            self._account.holdings[symbol] = Holding(quantity, t1, average, pledged, mtf)

    def corporate_action(
        self,
        symbol: str,
        *,
        new: int,
        old: int,
        into: str | None = None,
        keep: bool = False,
        fraction_price: Decimal = Decimal(0),
    ) -> Decimal:
        """What the depository does to the account's settled and T1 `symbol`: `new` shares of
        `into` (default `symbol` itself) for every `old` held, the whole holding as one holder,
        the fraction paid in cash at `fraction_price` a share (rounded to the paisa) into the
        account's cash. `keep` leaves the old holding (a bonus, a demerger); otherwise it is
        replaced (a split, a symbol change, a merger). Returns the fraction's cash."""
        with self._lock:
            self._tick()
            held = self._account.holdings.get(symbol, Holding())
            total = held.quantity + held.t1
            whole, remainder = divmod(total * new, old)
            target = into or symbol
            cost = held.average * total
            if not keep:
                self._account.holdings.pop(symbol, None)
            into_holding = self._account.holdings.setdefault(target, Holding())
            before = into_holding.quantity + into_holding.t1
            into_holding.quantity += whole
            if not into_holding.quantity + into_holding.t1:
                self._account.holdings.pop(target)
            elif target != symbol or not keep:
                spent = into_holding.average * before + (cost if not keep else Decimal(0))
                into_holding.average = (spent / (before + whole)).quantize(AVERAGE)
            cash = (fraction_price * remainder / old).quantize(Decimal("0.01"))
            self._account.cash += cash
            return cash

    def credit(self, amount: Decimal) -> None:
        """Money paid into the account from outside a trade (a dividend brought in)."""
        with self._lock:
            self._tick()
            self._account.cash += amount

    @property
    def holdings_layout(self) -> str:
        """``separate``: T1 shares only in ``t1_quantity``; ``included``: also in ``quantity``."""
        return self._account.layout

    @holdings_layout.setter
    def holdings_layout(self, value: str) -> None:
        self._account.layout = value

    def fill_open(self, symbol: str | None = None) -> int:
        """Fill every marketable OPEN order in full at the current price; returns trades made."""
        with self._lock:
            self._tick()
            made = 0
            for order in self._book.orders:
                if order.status in WORKING and symbol in (None, order.symbol):
                    made += self._match(order, "immediate")
            return made

    def close_market(self) -> int:
        """End of day: expire OPEN orders and debit the day's charges; returns orders expired."""
        with self._lock:
            self._tick()
            return self._account.close(self._book, self._clock(), self.brokerage_per_order)

    # -- sessions ---------------------------------------------------------------------------

    def issue_request_token(self) -> str:
        """The request token Kite's login page would redirect with (single use, 5 minutes)."""
        with self._lock:
            return self._logins.issue_request_token(self._clock())

    def expire_sessions(self) -> None:
        """The 06:00 expiry: every access token issued so far is refused from now on."""
        with self._lock:
            self._logins.expire_all()

    # -- inspection -------------------------------------------------------------------------

    def orders(self) -> list[dict[str, Any]]:
        """Today's orders as Kite shows them (ignoring `book_lag`), with `Decimal` prices."""
        with self._lock:
            self._tick()
            return self._book.rows()

    def trades(self) -> list[dict[str, Any]]:
        """Today's trades as Kite shows them, with `Decimal` prices."""
        with self._lock:
            self._tick()
            return self._book.trade_rows()

    def holdings_of(self) -> dict[str, int]:
        """Total shares held per symbol: settled + T1 + today's net."""
        with self._lock:
            self._tick()
            return self._account.shares(self._book)

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
                "net": self._account.net_cash(self._book),
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
                self._windows.count("injected")
            return True

    def admit(self, category: str) -> str | None:
        """Admit one request of a rate-limit category, or return the limit it is over."""
        with self._lock:
            return self._windows.admit(category, self._monotonic())

    def authenticate(self, authorization: str | None) -> None:
        """Check an ``Authorization: token api_key:access_token`` header (403 if not valid)."""
        with self._lock:
            self._tick()
            self._logins.authenticate(authorization, self._clock())

    # -- session routes ---------------------------------------------------------------------

    def create_session(self, form: Mapping[str, str]) -> dict[str, Any]:
        """``POST /session/token``: exchange a request token for an access token."""
        with self._lock:
            self._tick()
            return self._logins.create_session(form, self._clock())

    def invalidate(self, access_token: str) -> bool:
        """``DELETE /session/token``: log the access token out."""
        with self._lock:
            return self._logins.invalidate(access_token)

    def profile(self) -> dict[str, Any]:
        """``GET /user/profile``."""
        return self._logins.profile()

    # -- account routes ---------------------------------------------------------------------

    def margins(self, segment: str | None) -> dict[str, Any]:
        """``GET /user/margins[/{segment}]``."""
        with self._lock:
            self._tick()
            return self._account.margins(self._book, segment)

    def holdings(self) -> list[dict[str, Any]]:
        """``GET /portfolio/holdings``: settled and T1 quantities; today's trades are positions."""
        with self._lock:
            self._tick()
            return self._account.holding_rows(self._book, self._market, self._day)

    def positions(self) -> dict[str, list[dict[str, Any]]]:
        """``GET /portfolio/positions``: today's trades per symbol and product (net = day)."""
        with self._lock:
            self._tick()
            return account.positions(self._book, self._market)

    # -- market data routes -----------------------------------------------------------------

    def instruments_csv(self, exchange: str | None) -> str:
        """``GET /instruments[/{exchange}]``: the instrument dump as CSV."""
        with self._lock:
            return self._market.instruments_csv(exchange)

    def quote(self, kind: str, keys: list[str]) -> dict[str, Any]:
        """``GET /quote``, ``/quote/ohlc`` or ``/quote/ltp`` (unknown instruments are absent)."""
        with self._lock:
            self._tick()
            return self._market.quote(kind, keys, self._clock().strftime(TIMESTAMP))

    def historical(self, token: str, interval: str, query: Mapping[str, str]) -> dict[str, Any]:
        """``GET /instruments/historical/{token}/{interval}``: daily candles from `add_candles`."""
        with self._lock:
            return self._market.historical(token, interval, query)

    # -- order routes -----------------------------------------------------------------------

    def place_order(self, variety: str, form: Mapping[str, str]) -> str:
        """``POST /orders/{variety}``: validate, record, check as RMS does, and match."""
        with self._lock:
            self._tick()
            if self.input_error_next:
                raise input_error(self.input_error_next.pop(0))
            if self.algo_id is not None and form.get("algo_id") != self.algo_id:
                raise input_error(ALGO_ID_REQUIRED)
            order = self._book.new_order(variety, form, self._market, self._clock(), self.book_lag)
            self.placements += 1
            self._book.snap(order)
            order.status = "VALIDATION PENDING"
            self._book.snap(order)
            reason = self.reject_next.pop(0) if self.reject_next else self._rms(order)
            if reason is not None:
                order.status, order.status_message = "REJECTED", reason
                order.updated = order.placed
                self._book.snap(order, notify=True)
                return order.order_id
            order.exchange_order_id = str(1_300_000_000_000_000 + int(order.order_id) % 10**12)
            order.exchange_at = order.updated = self._clock()
            order.status = "OPEN PENDING"
            self._book.snap(order)
            order.status = "OPEN"
            self._book.snap(order)
            self._match(order, self.fill)
            self._book.expire_ioc(order, self._clock())
            return order.order_id

    def modify_order(self, variety: str, order_id: str, form: Mapping[str, str]) -> str:
        """``PUT /orders/{variety}/{order_id}``: change an OPEN order's price or quantity."""
        with self._lock:
            self._tick()
            order = self._book.get(variety, order_id)
            if order.status not in WORKING:
                raise input_error(f"Order cannot be modified as it is {order.status.lower()}.")
            if order.modifications >= self.limits.modifications_per_order:
                raise input_error("Maximum allowed order modifications exceeded.")
            self._modify(order, form)
            self._match(order, self.fill)
            return order.order_id

    def cancel_order(self, variety: str, order_id: str) -> str:
        """``DELETE /orders/{variety}/{order_id}``: cancel what is left of an OPEN order."""
        with self._lock:
            self._tick()
            order = self._book.get(variety, order_id)
            if order.status not in WORKING:
                raise input_error(f"Order cannot be cancelled as it is {order.status.lower()}.")
            order.status = "CANCEL PENDING"
            self._book.snap(order)
            self._book.finish(order, "CANCELLED", None, self._clock())
            return order.order_id

    def order_book(self) -> list[dict[str, Any]]:
        """``GET /orders``: today's orders, each only after `book_lag` further calls."""
        with self._lock:
            self._tick()
            return self._book.visible_rows()

    def order_history(self, order_id: str) -> list[dict[str, Any]]:
        """``GET /orders/{order_id}``: the order's status rows, oldest first."""
        with self._lock:
            self._tick()
            return [dict(row) for row in self._book.get(None, order_id).history]

    def trade_book(self, order_id: str | None = None) -> list[dict[str, Any]]:
        """``GET /trades`` or ``GET /orders/{order_id}/trades``."""
        with self._lock:
            self._tick()
            if order_id is not None:
                self._book.get(None, order_id)
            return self._book.trade_rows(order_id)

    def contract_note(self, body: Any) -> list[dict[str, Any]]:
        """``POST /charges/orders``: each order's charges, unrounded, as Kite gives them."""
        with self._lock:
            rows = account.contract_note(body, self.brokerage_per_order)
            return rows[: len(rows) - self.contract_note_lines_lost]

    # -- internals --------------------------------------------------------------------------

    def _clock(self) -> datetime:
        return self._now().astimezone(IST) + self._offset

    def _tick(self) -> None:
        today = self._clock().date()
        if today <= self._day:
            return
        if not self._account.closed:
            self._account.close(self._book, self._clock(), self.brokerage_per_order)
        self._account.roll(self._book)
        self._market.new_day()
        self._book.clear()
        self._day = today

    def _rms(self, order: Order) -> str | None:
        if order.order_type == "LIMIT":
            problem = self._market.instruments[order.symbol].price_problem(order.price)
            if problem:
                return problem
        return self._account.sell_problem(order, self._book)

    def _match(self, order: Order, mode: str) -> int:
        instrument = self._market.instruments[order.symbol]
        ratio = Decimal(str(self.partial_ratio))
        return self._book.match(order, mode, instrument, self._clock(), ratio)

    def _modify(self, order: Order, form: Mapping[str, str]) -> None:
        instrument = self._market.instruments[order.symbol]
        self._book.modify(order, form, instrument, self._clock(), lingers=self.modified_lingers)

    def _queue_postback(self, order: Order, row: dict[str, Any], event: str | None) -> None:
        if not self.postback_url:
            return
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
