"""The Kite broker: the engine's broker port over the real `kiteconnect` client.

Orders are CNC day limit orders on NSE carrying the engine's tag (the engine's PostgreSQL rate
limiter has already granted each placement). What a failed call means decides what happens:

- a placement that may have reached Kite (timeout, dropped connection, HTTP 429, a 5xx) is
  `PlacementUnknown`: the engine looks the tag up in the order book, it never resends;
- a 4xx refusal (bad input, margin, RMS) is `BrokerRejected`;
- a 403 ``TokenException`` (the token expired at 06:00 or was logged out) ends the session,
  alerts the operator and raises `BrokerUnavailable`, which halts trading until the next login;
- a connection that was never made is `BrokerUnavailable` too (nothing was sent);
- reads (order book, trade book, quotes) are retried with backoff, then `BrokerUnavailable`.

Fills come from the trade book, the source of truth; every read of it also stores the day's
snapshot of orders and trades, so they survive the token.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any, TypeVar

import requests
import urllib3
from kiteconnect import KiteConnect
from kiteconnect import exceptions as kite_errors
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from allocator import Side
from allocator.constants import PAISA
from bridge_api.brokers.kite.sessions import is_loopback
from bridge_api.brokers.kite.throttle import Throttle, app_throttles
from bridge_api.brokers.port import (
    BrokerOrder,
    BrokerRejected,
    BrokerTrade,
    BrokerUnavailable,
    OrderState,
    PlacementUnknown,
    Quote,
)
from bridge_api.calendar import IST, ist_today
from bridge_api.db.models import KiteModification, KiteSnapshot
from bridge_api.observability import metrics

log = logging.getLogger(__name__)
T = TypeVar("T")
QUOTES_PER_CALL = 500
MODIFICATIONS_ALLOWED = 25
NO_LIMIT = Decimal("Infinity")
SessionLost = Callable[[str], None]


class ModificationLimit(BrokerRejected):
    """The order was modified as often as Kite allows (25): cancel and place a new one."""


def rupees(value: Any) -> Decimal:
    """A price from Kite's JSON (a float on the wire) as exact rupees and paise."""
    return Decimal(str(value)).quantize(PAISA, ROUND_HALF_UP)


class KiteBroker:
    """The broker port over Kite Connect (see the module doc)."""

    name = "kite"

    def __init__(
        self,
        kite: KiteConnect,
        *,
        sessions: sessionmaker[Session] | None = None,
        on_session_lost: SessionLost | None = None,
        quote_throttle: Throttle | None = None,
        read_throttle: Throttle | None = None,
        read_attempts: int = 4,
        backoff: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
        algo_id: str | None = None,
    ) -> None:
        self.kite = kite
        self.algo_id = algo_id
        """The exchange-issued algo ID sent with every placement, when set."""
        self.real_money = not is_loopback(str(kite.root))
        self.session_id: int | None = None
        """The stored login this broker's token belongs to, when known."""
        self._sessions = sessions
        self._on_session_lost = on_session_lost or (lambda reason: None)
        shared_quotes, shared_reads = app_throttles(str(kite.api_key))
        self._quotes = quote_throttle or shared_quotes
        self._reads = read_throttle or shared_reads
        self._attempts = read_attempts
        self._backoff = backoff
        self._sleep = sleep

    # -- orders ---------------------------------------------------------------------------

    def place_limit_order(
        self, *, tag: str, symbol: str, side: Side, quantity: int, price: Decimal
    ) -> str:
        """Place a CNC day limit order on NSE; returns Kite's order id."""
        try:
            order_id = self.kite.place_order(
                variety=self.kite.VARIETY_REGULAR,
                exchange=self.kite.EXCHANGE_NSE,
                tradingsymbol=symbol,
                transaction_type=str(side),
                quantity=quantity,
                product=self.kite.PRODUCT_CNC,
                order_type=self.kite.ORDER_TYPE_LIMIT,
                price=str(price),
                validity=self.kite.VALIDITY_DAY,
                tag=tag,
                **({"algo_id": self.algo_id} if self.algo_id else {}),
            )
        except kite_errors.TokenException as error:
            raise self._lost(error) from error
        except requests.RequestException as error:
            name = type(error).__name__
            if _never_sent(error):
                raise BrokerUnavailable(f"{tag}: Kite could not be reached ({name})") from error
            raise PlacementUnknown(f"{tag}: no answer from Kite ({name})") from error
        except kite_errors.KiteException as error:
            _count_throttled(error, "write")
            if _maybe_accepted(error):
                raise PlacementUnknown(f"{tag}: {_describe(error)}") from error
            raise BrokerRejected(_describe(error)) from error
        return str(order_id)

    def cancel_order(self, broker_order_id: str) -> None:
        """Cancel what is left of an open order (an order already final is left alone)."""
        try:
            self._call(
                lambda: self.kite.cancel_order(self.kite.VARIETY_REGULAR, broker_order_id),
                retry=False,
            )
        except BrokerRejected as error:
            log.info("cancel %s refused (already final?): %s", broker_order_id, error)

    def modify_price(self, broker_order_id: str, price: Decimal) -> None:
        """Move an open order's limit price; refused after Kite's 25 modifications."""
        if self._sessions is None:
            raise BrokerUnavailable("modifications are counted in the database: no sessions")
        with self._sessions() as session, session.begin():
            count = session.execute(
                insert(KiteModification)
                .values(order_id=broker_order_id, count=1)
                .on_conflict_do_update(
                    index_elements=["order_id"], set_={"count": KiteModification.count + 1}
                )
                .returning(KiteModification.count)
            ).scalar_one()
            if count > MODIFICATIONS_ALLOWED:
                raise ModificationLimit(
                    f"{broker_order_id}: modified {MODIFICATIONS_ALLOWED} times already"
                )
            self._call(
                lambda: self.kite.modify_order(
                    self.kite.VARIETY_REGULAR, broker_order_id, price=str(price)
                ),
                retry=False,
            )

    # -- books ----------------------------------------------------------------------------

    def orders(self) -> list[BrokerOrder]:
        """Today's order book (orders placed outside Saras have an empty tag)."""
        return [_order(row) for row in self._call(self.kite.orders)]

    def order_book(self) -> list[dict[str, Any]]:
        """Today's orders exactly as Kite returns them."""
        rows: list[dict[str, Any]] = self._call(self.kite.orders)
        return rows

    def trades(self) -> list[BrokerTrade]:
        """Today's trade book, tagged from the order book; stores the day's snapshot."""
        orders = self._call(self.kite.orders)
        trades = self._call(self.kite.trades)
        self._snapshot(orders, trades)
        tags = {str(o["order_id"]): o.get("tag") or "" for o in orders}
        return [_trade(row, tags) for row in trades]

    def quotes(self, symbols: Iterable[str]) -> dict[str, Quote]:
        """Last prices and the day's circuit limits, at most 500 instruments per call; a symbol
        Kite does not quote is left out."""
        wanted = sorted(set(symbols))
        found: dict[str, Quote] = {}
        for chunk in _chunks(wanted, QUOTES_PER_CALL):
            names = [f"NSE:{symbol}" for symbol in chunk]
            data: dict[str, Any] = self._call(partial(self.kite.quote, names), self._quotes)
            for key, row in data.items():
                symbol = key.split(":", 1)[1]
                lower, upper = row.get("lower_circuit_limit"), row.get("upper_circuit_limit")
                found[symbol] = Quote(
                    symbol=symbol,
                    price=rupees(row["last_price"]),
                    lower=rupees(lower) if lower else Decimal(0),
                    upper=rupees(upper) if upper else NO_LIMIT,  # no band given: none applied
                )
        missing = [s for s in wanted if s not in found]
        if missing:
            log.warning("Kite has no quote for %s", ", ".join(missing[:10]))
        return found

    def holdings(self) -> dict[str, int]:
        """Shares per symbol: holdings (settled, T1 and MTF, see `held`) plus today's net CNC
        position on NSE."""
        return broker_shares(self.holding_rows(), self.positions())

    def holdings_detail(self) -> dict[str, Held]:
        """Kite's holdings per symbol, settled, T1, pledged and MTF apart."""
        return {str(row["tradingsymbol"]): held(row) for row in self.holding_rows()}

    def cash(self) -> Decimal:
        """The account's cash after today's trades: the equity segment's opening balance, plus
        today's pay-ins, less today's payout, plus today's CNC sales less buys (the ``day``
        positions). Not ``net``, which also counts collateral and margin used; a day's
        charges are in the next day's opening balance."""
        funds = self.margins()
        available, utilised = funds.get("available") or {}, funds.get("utilised") or {}
        traded = sum(
            (
                rupees(row.get("day_sell_value") or 0) - rupees(row.get("day_buy_value") or 0)
                for row in self.positions().get("day", [])
                if row.get("product") == "CNC" and row.get("exchange", "NSE") == "NSE"
            ),
            Decimal(0),
        )
        return (
            rupees(available.get("opening_balance") or 0)
            + rupees(available.get("intraday_payin") or 0)
            - rupees(utilised.get("payout") or 0)
            + traded
        )

    def holding_rows(self) -> list[dict[str, Any]]:
        """Kite's holdings exactly as returned (settled ``quantity``, ``t1_quantity``)."""
        rows: list[dict[str, Any]] = self._call(self.kite.holdings)
        return rows

    def positions(self) -> dict[str, list[dict[str, Any]]]:
        """Kite's positions (``net`` and ``day``)."""
        rows: dict[str, list[dict[str, Any]]] = self._call(self.kite.positions)
        return rows

    def margins(self) -> dict[str, Any]:
        """Kite's funds for the equity segment."""
        data: dict[str, Any] = self._call(lambda: self.kite.margins("equity"))
        return data

    def contract_note(self, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Kite's virtual contract note: per-order charges for the given executed orders."""
        rows: list[dict[str, Any]] = self._call(lambda: self.kite.get_virtual_contract_note(orders))
        return rows

    def snapshot(self, day: date | None = None) -> tuple[int, int]:
        """Store the day's order and trade books now; returns how many of each."""
        orders = self._call(self.kite.orders)
        trades = self._call(self.kite.trades)
        self._snapshot(orders, trades, day)
        return len(orders), len(trades)

    # -- calls ----------------------------------------------------------------------------

    def _call(
        self, call: Callable[[], T], throttle: Throttle | None = None, *, retry: bool = True
    ) -> T:
        """Call Kite within the client-side limit. Reads (`retry`) are retried on any transient
        failure; a write only on HTTP 429, which Kite answers before acting on anything."""
        for attempt in range(1, self._attempts + 1):
            try:
                return (throttle or self._reads).call(call)
            except kite_errors.TokenException as error:
                raise self._lost(error) from error
            except (requests.RequestException, kite_errors.KiteException) as error:
                _count_throttled(error, "read" if retry else "write")
                transient = isinstance(error, requests.RequestException) or _maybe_accepted(error)
                if not transient:
                    raise BrokerRejected(_describe(error)) from error
                again = retry or getattr(error, "code", None) == 429
                if not again or attempt == self._attempts:
                    raise BrokerUnavailable(f"Kite unavailable: {_describe(error)}") from error
                self._sleep(self._backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def _lost(self, error: Exception) -> BrokerUnavailable:
        reason = f"Kite refused the session: {_describe(error)}"
        self._on_session_lost(reason)
        return BrokerUnavailable(reason)

    def _snapshot(
        self, orders: list[dict[str, Any]], trades: list[dict[str, Any]], day: date | None = None
    ) -> None:
        if self._sessions is None:
            return
        values = {
            "day": day or _day_of(orders) or ist_today(),
            "taken_at": datetime.now(IST),
            "orders": _jsonable(orders),
            "trades": _jsonable(trades),
        }
        with self._sessions() as session, session.begin():
            session.execute(
                insert(KiteSnapshot)
                .values(**values)
                .on_conflict_do_update(index_elements=["day"], set_=values)
            )


def _count_throttled(error: Exception, kind: str) -> None:
    """Count an HTTP 429 from Kite in the metrics (`kind`: a read or a write)."""
    if getattr(error, "code", None) == 429:
        metrics.KITE_THROTTLED.labels(kind).inc()


def _maybe_accepted(error: Exception) -> bool:
    """Whether Kite may have acted on the request despite the error: throttled (429, kept
    conservative for placements), a 5xx, or no readable answer, whatever the exception class."""
    code = getattr(error, "code", 500)
    if isinstance(error, (kite_errors.NetworkException, kite_errors.DataException)):
        return True
    return bool(code == 429 or code >= 500)


def _never_sent(error: requests.RequestException) -> bool:
    """Whether the request provably never left: the connection itself was not made."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(error, requests.ConnectionError) and isinstance(
        reason, urllib3.exceptions.NewConnectionError
    )


def _describe(error: Exception) -> str:
    code = getattr(error, "code", None)
    prefix = f"HTTP {code} " if code else ""
    return f"{prefix}{type(error).__name__}: {error}"


@dataclass(frozen=True, slots=True)
class Held:
    """One row of Kite's holdings, read alike whichever way it shows T1 shares."""

    settled: int
    t1: int
    pledged: int
    """Of the settled, pledged as collateral (``collateral_quantity``)."""
    mtf: int
    """Bought on margin (the ``mtf`` block), held apart from ``quantity``."""

    @property
    def total(self) -> int:
        """Every share of the symbol in the account."""
        return self.settled + self.t1 + self.mtf


def held(row: Mapping[str, Any]) -> Held:
    """A holdings row read without double counting T1 shares: Kite's docs leave them out of
    ``quantity`` (``quantity`` = ``realised_quantity``), but answers are seen with them in it
    (``quantity`` = ``realised_quantity`` + ``t1_quantity``); see docs/kite.md."""
    quantity = int(row.get("quantity") or 0)
    t1 = int(row.get("t1_quantity") or 0)
    realised = row.get("realised_quantity")
    included = t1 > 0 and realised is not None and quantity == int(realised) + t1
    mtf = row.get("mtf") or {}
    return Held(
        settled=quantity - t1 if included else quantity,
        t1=t1,
        pledged=int(row.get("collateral_quantity") or 0),
        mtf=int(mtf.get("quantity") or 0),
    )


def broker_shares(
    holdings: Iterable[Mapping[str, Any]], positions: Mapping[str, Iterable[Mapping[str, Any]]]
) -> dict[str, int]:
    """Shares at Kite per symbol: holdings (settled + T1 + MTF, each counted once) plus today's
    net CNC position."""
    shares: dict[str, int] = defaultdict(int)
    for row in holdings:
        shares[str(row["tradingsymbol"])] += held(row).total
    for row in positions.get("net", []):
        if row.get("product") == "CNC" and row.get("exchange", "NSE") == "NSE":
            shares[str(row["tradingsymbol"])] += int(row.get("quantity") or 0)
    return {symbol: count for symbol, count in sorted(shares.items()) if count}


def _order(row: dict[str, Any]) -> BrokerOrder:
    return BrokerOrder(
        broker_order_id=str(row["order_id"]),
        tag=row.get("tag") or "",
        symbol=str(row["tradingsymbol"]),
        side=Side(str(row["transaction_type"]).upper()),
        quantity=int(row["quantity"]),
        price=rupees(row.get("price") or 0),
        filled=int(row.get("filled_quantity") or 0),
        status=_status(str(row["status"])),
        message=str(row.get("status_message") or ""),
    )


def _status(status: str) -> OrderState:
    """The port's state of a Kite status: ``CANCELLED AMO`` and the like are cancelled; every
    status on the way (``OPEN PENDING``, ``TRIGGER PENDING``, ``MODIFY PENDING``, ...) is open."""
    if status.startswith("CANCELLED"):
        return OrderState.CANCELLED
    if status in (OrderState.COMPLETE, OrderState.REJECTED):
        return OrderState(status)
    return OrderState.OPEN


def _trade(row: dict[str, Any], tags: dict[str, str]) -> BrokerTrade:
    order_id = str(row["order_id"])
    return BrokerTrade(
        trade_id=str(row["trade_id"]),
        broker_order_id=order_id,
        tag=tags.get(order_id, ""),
        symbol=str(row["tradingsymbol"]),
        side=Side(str(row["transaction_type"]).upper()),
        quantity=int(row["quantity"]),
        price=rupees(row["average_price"]),
        at=_moment(row.get("fill_timestamp") or row.get("exchange_timestamp")),
    )


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=IST)
    if isinstance(value, str) and value:
        return datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)
    return datetime.now(IST)


def _day_of(orders: list[dict[str, Any]]) -> date | None:
    """The trading day an order book is of (after midnight Kite may still show yesterday's)."""
    for row in orders:
        stamp = row.get("order_timestamp")
        if isinstance(stamp, datetime):
            return stamp.date()
        if isinstance(stamp, str) and len(stamp) >= 10:
            try:
                return date.fromisoformat(stamp[:10])
            except ValueError:
                continue
    return None


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
