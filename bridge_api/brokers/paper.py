"""The paper venue: a simulated broker that fills CNC limit orders against the daily bars.

It keeps its own order and trade books in PostgreSQL (schema ``paper``), in its own
transactions, as a remote broker would: they outlive the engine process.

For the session day D, a symbol's reference price is its last close before D and its price
band that price ± `band` (rounded inward to the tick). An order is refused when its price is off
the tick or outside the band. It is matched as soon as it is placed against D's bar:

- a BUY at limit L trades if the bar's low is at or below L, at the open if the open is at or
  below L, else at L; a SELL mirrors it against the high;
- it trades at most `participation` x the bar's volume per symbol and day, across all orders,
  so large orders fill partly; whatever is left stays open until `end_session` expires it;
- a fill is reported as up to three trades a tick apart (never beyond the limit or the bar).

`Faults` inject what a real broker does on a bad day: latency, rejections, placements whose
response is lost after the order was placed (`PlacementUnknown`, order live), requests lost
before (`PlacementUnknown`, nothing placed), and disconnects (`BrokerUnavailable`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from allocator import Side
from allocator.slicing import slice_sizes
from bridge_api.brokers.port import (
    BrokerOrder,
    BrokerRejected,
    BrokerTrade,
    BrokerUnavailable,
    OrderState,
    PlacementUnknown,
    Quote,
)
from bridge_api.db.models import Bar, Instrument, PaperAdjustment, PaperOrder, PaperTrade

OPEN, COMPLETE, CANCELLED, REJECTED = (str(s) for s in OrderState)


@dataclass
class Faults:
    """Failures to inject; ``*_every = n`` hits every n-th placement (0: never)."""

    latency_ms: int = 0
    reject_every: int = 0
    response_lost_every: int = 0
    request_lost_every: int = 0
    disconnected: bool = False


class PaperVenue:
    """A simulated NSE broker for one session day (see the module doc)."""

    name = "paper"
    real_money = False

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        session_day: date,
        participation: Decimal = Decimal("0.10"),
        band: Decimal = Decimal("0.20"),
        faults: Faults | None = None,
    ) -> None:
        self._sessions = sessions
        self.session_day = session_day
        self.participation = participation
        self.band = band
        self.faults = faults or Faults()
        self._placements = 0

    # -- market data ---------------------------------------------------------------------

    def quotes(self, symbols: Iterable[str]) -> dict[str, Quote]:
        """Last close before the session day, and the band around it (a symbol with no such
        close or no instrument is left out)."""
        self._check_connected()
        wanted = sorted(set(symbols))
        with self._sessions() as session:
            quotes = {s: self._quote(session, s) for s in wanted}
        return {s: q for s, q in quotes.items() if q is not None}

    def _quote(self, session: Session, symbol: str) -> Quote | None:
        reference = session.execute(
            select(Bar.close)
            .where(Bar.symbol == symbol, Bar.day < self.session_day)
            .order_by(Bar.day.desc())
            .limit(1)
        ).scalar_one_or_none()
        tick = session.execute(
            select(Instrument.tick_size).where(Instrument.symbol == symbol)
        ).scalar_one_or_none()
        if reference is None or tick is None:
            return None
        lower = _to_tick(reference * (1 - self.band), tick, ROUND_CEILING)
        upper = _to_tick(reference * (1 + self.band), tick, ROUND_FLOOR)
        return Quote(symbol=symbol, price=reference, lower=lower, upper=upper)

    # -- orders ----------------------------------------------------------------------------

    def place_limit_order(
        self, *, tag: str, symbol: str, side: Side, quantity: int, price: Decimal
    ) -> str:
        """Place, validate and match an order (see the module doc)."""
        self._check_connected()
        self._placements += 1
        n = self._placements
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)
        if _hits(self.faults.request_lost_every, n):
            raise PlacementUnknown(f"request for {tag} lost before it reached the venue")
        with self._sessions() as session, session.begin():
            order = PaperOrder(
                broker_order_id="",
                tag=tag,
                symbol=symbol,
                side=str(side),
                quantity=quantity,
                price=price,
                filled=0,
                status=OPEN,
                session_day=self.session_day,
            )
            session.add(order)
            session.flush()
            order.broker_order_id = f"P{order.id:012d}"
            problem = self._problem(session, order)
            if problem is None and _hits(self.faults.reject_every, n):
                problem = "RMS: rejected by fault injection"
            if problem is not None:
                order.status, order.message = REJECTED, problem
            else:
                self._match(session, order)
            broker_order_id, status, message = order.broker_order_id, order.status, order.message
        if status == REJECTED:
            raise BrokerRejected(f"{broker_order_id}: {message}")
        if _hits(self.faults.response_lost_every, n):
            raise PlacementUnknown(f"response for {tag} lost after the venue took it")
        return broker_order_id

    def _problem(self, session: Session, order: PaperOrder) -> str | None:
        if order.side not in ("BUY", "SELL"):
            return f"unknown side {order.side}"
        if order.quantity < 1:
            return f"quantity {order.quantity} is not positive"
        tick = session.execute(
            select(Instrument.tick_size).where(Instrument.symbol == order.symbol)
        ).scalar_one_or_none()
        if tick is None:
            return f"unknown instrument {order.symbol}"
        if order.price % tick:
            return f"price {order.price} is not a multiple of the tick {tick}"
        quote = self._quote(session, order.symbol)
        if quote is None:
            return f"no price for {order.symbol} before {self.session_day}"
        if not quote.lower <= order.price <= quote.upper:
            return f"price {order.price} is outside the band {quote.lower}-{quote.upper}"
        return None

    def _match(self, session: Session, order: PaperOrder) -> None:
        bar = session.get(Bar, (order.symbol, self.session_day))
        if bar is None:
            return
        tick = session.execute(
            select(Instrument.tick_size).where(Instrument.symbol == order.symbol)
        ).scalar_one()
        buy = order.side == "BUY"
        if (buy and bar.low > order.price) or (not buy and bar.high < order.price):
            return
        used = session.execute(
            select(func.coalesce(func.sum(PaperOrder.filled), 0)).where(
                PaperOrder.symbol == order.symbol, PaperOrder.session_day == self.session_day
            )
        ).scalar_one()
        capacity = int(bar.volume * self.participation) - int(used)
        quantity = min(order.quantity - order.filled, capacity)
        if quantity <= 0:
            return
        if buy:
            first = bar.open if bar.open <= order.price else order.price
        else:
            first = bar.open if bar.open >= order.price else order.price
        for seq, size in enumerate(slice_sizes(quantity, -(-quantity // 3))):
            if buy:
                price = min(first + tick * seq, order.price, bar.high)
            else:
                price = max(first - tick * seq, order.price, bar.low)
            session.add(
                PaperTrade(
                    trade_id=f"{order.broker_order_id}T{seq}",
                    order_id=order.id,
                    quantity=size,
                    price=price,
                    seq=seq,
                )
            )
        order.filled += quantity
        if order.filled == order.quantity:
            order.status = COMPLETE

    def cancel_order(self, broker_order_id: str) -> None:
        """Cancel what is left of an open order."""
        self._check_connected()
        with self._sessions() as session, session.begin():
            order = session.execute(
                select(PaperOrder)
                .where(PaperOrder.broker_order_id == broker_order_id)
                .with_for_update()
            ).scalar_one_or_none()
            if order is None:
                raise BrokerRejected(f"no order {broker_order_id}")
            if order.status == OPEN:
                order.status, order.message = CANCELLED, "cancelled by the user"

    def end_session(self) -> int:
        """The close: every open order of the day expires. Returns how many did."""
        with self._sessions() as session, session.begin():
            rows = (
                session.execute(
                    select(PaperOrder)
                    .where(PaperOrder.session_day == self.session_day, PaperOrder.status == OPEN)
                    .with_for_update()
                )
                .scalars()
                .all()
            )
            for order in rows:
                order.status, order.message = CANCELLED, "expired at the close (day order)"
            return len(rows)

    def orders(self) -> list[BrokerOrder]:
        """The day's order book."""
        self._check_connected()
        with self._sessions() as session:
            rows = session.execute(
                select(PaperOrder)
                .where(PaperOrder.session_day == self.session_day)
                .order_by(PaperOrder.id)
            ).scalars()
            return [
                BrokerOrder(
                    broker_order_id=o.broker_order_id,
                    tag=o.tag,
                    symbol=o.symbol,
                    side=Side(o.side),
                    quantity=o.quantity,
                    price=o.price,
                    filled=o.filled,
                    status=OrderState(o.status),
                    message=o.message,
                )
                for o in rows
            ]

    def trades(self) -> list[BrokerTrade]:
        """The day's trade book."""
        self._check_connected()
        with self._sessions() as session:
            rows = session.execute(
                select(PaperTrade, PaperOrder)
                .join(PaperOrder, PaperOrder.id == PaperTrade.order_id)
                .where(PaperOrder.session_day == self.session_day)
                .order_by(PaperTrade.id)
            ).all()
            moment = datetime.combine(self.session_day, datetime.min.time(), UTC).replace(hour=4)
            return [
                BrokerTrade(
                    trade_id=t.trade_id,
                    broker_order_id=o.broker_order_id,
                    tag=o.tag,
                    symbol=o.symbol,
                    side=Side(o.side),
                    quantity=t.quantity,
                    price=t.price,
                    at=moment,
                )
                for t, o in rows
            ]

    def holdings(self) -> dict[str, int]:
        """Net shares bought less sold through the venue, per symbol, over every day."""
        with self._sessions() as session:
            rows = session.execute(
                select(PaperOrder.symbol, PaperOrder.side, func.sum(PaperTrade.quantity))
                .join(PaperOrder, PaperOrder.id == PaperTrade.order_id)
                .group_by(PaperOrder.symbol, PaperOrder.side)
            ).all()
            adjusted = session.execute(
                select(PaperAdjustment.symbol, func.sum(PaperAdjustment.quantity)).group_by(
                    PaperAdjustment.symbol
                )
            ).all()
        net: dict[str, int] = {}
        for symbol, side, quantity in rows:
            net[symbol] = net.get(symbol, 0) + (int(quantity) if side == "BUY" else -int(quantity))
        for symbol, quantity in adjusted:
            net[symbol] = net.get(symbol, 0) + int(quantity)
        return {s: q for s, q in sorted(net.items()) if q}

    def corporate_action(
        self, symbol: str, *, new: int, old: int, into: str | None = None, keep: bool = False
    ) -> int:
        """What the depository does to the venue's `symbol`: `new` shares of `into` (default
        `symbol`) for every `old` held, the whole holding as one holder (the fraction is the
        company's to pay in cash; the venue keeps no cash); `keep` leaves the old holding (a
        bonus, a demerger), otherwise it is replaced. Returns the whole shares credited."""
        held = self.holdings().get(symbol, 0)
        whole = held * new // old
        reason = f"{new}:{old} {symbol} -> {into or symbol}"
        with self._sessions() as session, session.begin():
            if not keep:
                session.add(PaperAdjustment(symbol=symbol, quantity=-held, reason=reason))
            session.add(PaperAdjustment(symbol=into or symbol, quantity=whole, reason=reason))
        return whole

    def cash(self) -> Decimal | None:
        """None: the paper venue keeps no cash (pay-ins never reach it)."""
        return None

    def _check_connected(self) -> None:
        if self.faults.disconnected:
            raise BrokerUnavailable("the paper venue is disconnected (fault injection)")


def _hits(every: int, n: int) -> bool:
    return every > 0 and n % every == 0


def _to_tick(price: Decimal, tick: Decimal, rounding: str) -> Decimal:
    return (price / tick).to_integral_value(rounding=rounding) * tick
