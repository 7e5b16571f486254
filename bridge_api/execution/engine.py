"""The execution engine: trades a batch within one market session, in two phases.

Phase 1 books the crossings (when enabled) and sends the sells; it ends when every sell is
final or at the cut-off, when what is left of them is cancelled. Phase 2 re-plans the buys from
each subscription's own cash, now including the proceeds of its sells that executed, writes the
amended pre-trade statement, and sends them; what is unfilled at the close expires. Every order
is allocated once, when final, and the batch ends completed or partially completed.

Crash safety comes from the order of writes. A slice is marked ``sending`` (with its client
tag) and committed before the broker is called; the broker's order id is committed after. On a
restart, a slice left ``sending`` or ``unknown`` is resolved by looking its tag up in the
broker's order book (which may lag, so the lookup is retried); only a tag the broker provably
never saw is sent again, under a new tag. Trades come from the broker's trade book and are
recorded once by trade id; allocation happens once per order. So killing the engine at any
moment and starting it again sends no order twice, counts no trade twice and loses none.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from allocator import Limits, Plan, Side
from allocator.constants import CHARGES_RESERVE, DEFAULT_COLLAR
from bridge_api import logs
from bridge_api.batches import closing, events
from bridge_api.batches.closing import CORPORATE_ACTION, DEFERRED, NO_QUOTE
from bridge_api.brokers.port import (
    Broker,
    BrokerOrder,
    BrokerRejected,
    BrokerUnavailable,
    OrderState,
    PlacementUnknown,
    Quote,
)
from bridge_api.corporate_actions.announcements import pending_symbols
from bridge_api.db.models import (
    Batch,
    BatchOrder,
    BatchState,
    BatchTarget,
    OrderSlice,
    OrderStatus,
    SliceStatus,
)
from bridge_api.execution import allocation, fills, planning
from bridge_api.execution.clocks import Deadline, MarketClock
from bridge_api.execution.lease import Lease
from bridge_api.execution.ratelimit import OrderRateLimiter
from bridge_api.execution.stops import MarketClosed, RealMoneyDisabled, TradingHalted
from bridge_api.ledger import settlement
from bridge_api.ledger.settlement import Settlement
from bridge_api.notifications.alerts import open_alerts, raise_alert
from bridge_api.observability import metrics

log = logging.getLogger(__name__)
Progress = Callable[[str, dict[str, object]], None]
"""A watcher of the engine's events (the demo's progress display): (event, its fields)."""
BUSY, WAITING, DONE = "busy", "waiting", "done"
T = TypeVar("T")

EVENTS: dict[str, tuple[int, str]] = {
    "resume": (logging.INFO, "batch {batch}: resuming, left executing by an earlier engine"),
    "planned": (
        logging.INFO,
        "batch {batch}: phase {phase} planned, {orders} orders, {crossings} crossings",
    ),
    "sent": (logging.INFO, "sent {side} {quantity} {symbol} as {tag}"),
    "rejected": (logging.WARNING, "slice {tag} rejected: {message}"),
    "unknown": (logging.WARNING, "placement {tag}: outcome unknown ({message}); looking it up"),
    "resolved": (logging.INFO, "placement {tag}: {outcome}"),
    "cancelled": (logging.INFO, "cancelled what was left of {tag} ({left} shares) at the cut-off"),
    "trades": (logging.INFO, "batch {batch}: {new} new {side} trades recorded"),
    "allocated": (logging.INFO, "order {order} allocated: {filled} of {of} ({reason})"),
    "finished": (logging.INFO, "batch {batch} {state} {reason}"),
    "stray": (logging.WARNING, "order under the stray tag {tag} ({filled} filled) cancelled"),
    "stray_fill": (
        logging.WARNING,
        "stray fill under {tag}: {side} {quantity} {symbol} booked to the house",
    ),
    "unquoted": (logging.WARNING, "batch {batch}: no quote for {symbols}; their trades skipped"),
    "corporate_action": (
        logging.WARNING,
        "batch {batch}: a corporate action is pending in {symbols}; their trades skipped",
    ),
    "deferred": (
        logging.WARNING,
        "batch {batch}: {side} of {symbols} deferred to the next session (other side traded today)",
    ),
    "halted": (logging.WARNING, "trading halted: waiting {waiting}"),
    "waiting": (logging.INFO, "waiting for {for}"),
}
"""Every event the engine and its runner report: its log level and message."""


def emit(progress: Progress | None, event: str, info: dict[str, object]) -> None:
    """Log one event as a structured record (its fields beside the message), and tell the
    watcher, if any."""
    level, template = EVENTS[event]
    logs.event(log, level, event, template.format_map(_Blank(info)), info)
    count(event, info)
    if progress is not None:
        progress(event, info)


_ORDER_OUTCOMES = {"sent": "placed", "rejected": "rejected", "unknown": "unknown"}


def count(event: str, info: dict[str, object]) -> None:
    """Count an event in the engine's metrics: every event by name, and the orders' outcomes
    (a slice placed, rejected or of unknown outcome; an order final, filled or not)."""
    metrics.ENGINE_EVENTS.labels(event).inc()
    if event in _ORDER_OUTCOMES:
        metrics.ORDERS.labels(_ORDER_OUTCOMES[event]).inc()
    elif event == "allocated":
        filled = info.get("filled")
        some = isinstance(filled, int) and filled > 0
        metrics.ORDERS.labels("filled" if some else "unfilled").inc()


class _Blank(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def _outcome(info: dict[str, object]) -> str:
    """How a placement of unknown outcome was resolved, in words."""
    if info.get("found"):
        return f"found at the broker as {info['found']}"
    if info.get("never_sent"):
        return "never reached the broker; sent as planned"
    if info.get("retry_as"):
        return f"not in the broker's book; sent again as {info['retry_as']}"
    return "not in the broker's book; given up (its tag stays watched)"


@dataclass
class CrashPoints:
    """Test hook: ``SARAS_CRASH_AT=name[:n]`` kills the process (SIGKILL) the n-th time the
    engine reaches point `name`. Without the variable it does nothing."""

    point: str | None = None
    at: int = 1
    seen: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_env(cls) -> CrashPoints:
        """Read ``SARAS_CRASH_AT``."""
        spec = os.environ.get("SARAS_CRASH_AT", "")
        if not spec:
            return cls()
        name, _, count = spec.partition(":")
        return cls(point=name, at=int(count or 1))

    def reach(self, name: str) -> None:
        """Die here if this is the chosen point and visit."""
        self.seen[name] += 1
        if name == self.point and self.seen[name] == self.at:
            os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """How orders are priced and planned."""

    trade_date: date
    collar: Decimal = DEFAULT_COLLAR
    buy_charges_rate: Decimal = CHARGES_RESERVE
    min_trade_value: Decimal = Decimal("0.00")
    limits: Limits = field(default_factory=Limits)
    lookups: int = 5
    """How many times a tag is looked up before it is taken as never placed."""
    lookup_pause: float = 0.0
    """Seconds before the n-th repeated lookup, times n (the broker's order book may lag)."""
    resend_unseen: bool = True
    """Send a slice again (under a new tag) when its tag is not in the broker's book after
    every lookup. Only for a venue whose book is exact (the paper venue); Kite's book may lag,
    so there a slice not found is given up (and its tag still watched), never sent again."""
    attempts: int = 3
    """How many tags a slice may be sent under before it is given up as rejected."""
    real_money: bool = False
    crossing_cleared: bool = False
    """With real money, internal crossing only once a compliance review cleared it; a crossing
    batch otherwise trades all of it at the exchange."""
    opposite_same_day: bool = False
    """Send an order in a symbol already traded on the other side today (the operator's
    override; the exchange nets the two as intraday and the books charge it so). By default
    that side is deferred to the next session."""

    @property
    def may_cross(self) -> bool:
        """Whether a crossing batch may cross internally here."""
        return self.crossing_cleared or not self.real_money


class Engine:
    """Runs ready batches through a broker (see the module doc)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        broker: Broker,
        clock: MarketClock,
        *,
        limiter: OrderRateLimiter,
        config: EngineConfig,
        lease: Lease | None = None,
        progress: Progress | None = None,
        crash: CrashPoints | None = None,
        after_batch: Callable[[int], None] | None = None,
    ) -> None:
        if broker.real_money and not config.real_money:
            raise RealMoneyDisabled(
                f"{broker.name} trades real money and real-money trading is off "
                "(EngineConfig.real_money; the `real-money` parameter under Lean)"
            )
        self._sessions = sessions
        self.broker = broker
        self.clock = clock
        self.limiter = limiter
        self.config = config
        self.lease = lease
        self._watcher = progress
        self._crash = crash or CrashPoints.from_env()
        self._after_batch = after_batch
        self._phases: dict[int, tuple[int, float]] = {}
        """Each batch's phase this engine planned, and when (for the phase's duration)."""

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> list[int]:
        """Settle what is due today, resume any batch a dead engine left executing, then run
        ready batches until none. On a day NSE does not trade nothing is sent (`MarketClosed`)."""
        self.settle()
        if not self.clock.trades_today():
            raise MarketClosed(
                f"{self.config.trade_date} is not an NSE session (a weekend or an exchange "
                "holiday): nothing is sent",
                hint="run the engine on a trading day",
            )
        done: list[int] = []
        while True:
            self._renew()
            batch_id = self._next_batch()
            if batch_id is None:
                return done
            self.execute(batch_id)
            done.append(batch_id)

    def settle(self) -> Settlement:
        """Settle what is due on the trade date (T+1 on NSE's calendar), before its trading."""
        with self._sessions() as session, session.begin():
            return settlement.settle(session, today=self.config.trade_date)

    def _next_batch(self) -> int | None:
        with self._sessions() as session, session.begin():
            stranded = session.execute(
                select(Batch.id)
                .where(Batch.state == BatchState.EXECUTING)
                .order_by(Batch.id)
                .limit(1)
            ).scalar_one_or_none()
            if stranded is not None:
                self._progress("resume", {"batch": stranded})
                return stranded
            if not self.clock.accepting():
                return None
            batch = planning.claim_ready_batch(session)
            return batch.id if batch else None

    def _renew(self) -> None:
        if self.lease is not None:
            self.lease.renew()

    def _progress(self, event: str, info: dict[str, object]) -> None:
        if event == "resolved":
            info = {**info, "outcome": _outcome(info)}
        if event in ("planned", "finished"):
            self._time_phase(event, info)
        emit(self._watcher, event, info)

    def _time_phase(self, event: str, info: dict[str, object]) -> None:
        """Observe the duration of the phase that just ended, when this engine began it."""
        batch = info["batch"]
        assert isinstance(batch, int)
        now = time.monotonic()
        began = self._phases.pop(batch, None)
        if began is not None:
            ended, at = began
            metrics.PHASE_SECONDS.labels(str(ended)).observe(now - at)
        if event == "planned":
            phase = info["phase"]
            assert isinstance(phase, int)
            self._phases[batch] = (phase, now)

    # -- one batch ----------------------------------------------------------------------

    def execute(self, batch_id: int) -> None:
        """Take an executing batch from wherever it stands to its end, waiting as needed."""
        while (state := self.step(batch_id)) != DONE:
            self._renew()
            if state == WAITING:
                self.clock.wait()

    def step(self, batch_id: int) -> str:
        """Do the next thing the batch needs, without waiting; returns `BUSY` (call again),
        `WAITING` (for fills or a deadline) or `DONE`. A driver that cannot block (the Lean
        algorithm) calls this on a schedule. Every record logged meanwhile carries the batch."""
        with logs.bind(batch=batch_id):
            return self._step(batch_id)

    def _step(self, batch_id: int) -> str:
        phase = self._phase(batch_id)
        if phase == 0:
            self._plan(batch_id, phase=1)
            return BUSY
        side, deadline = (Side.SELL, Deadline.CUTOFF) if phase == 1 else (Side.BUY, Deadline.CLOSE)
        if self._slices(batch_id, side, [SliceStatus.SENDING, SliceStatus.UNKNOWN]):
            self._resolve_unknown(batch_id, side)
            return BUSY
        if planned := self._slices(batch_id, side, [SliceStatus.PLANNED]):
            if self.clock.is_open():
                self._send(batch_id, side)
            else:
                for piece, _ in planned:
                    self._mark(piece.id, SliceStatus.REJECTED, "the market closed before sending")
            return BUSY
        if all(o.status is OrderStatus.FINAL for o in self._orders(batch_id, side)):
            if phase == 1:
                self._plan(batch_id, phase=2)
                return BUSY
            self._finish(batch_id)
            return DONE
        if self._all_final_at_broker(batch_id, side):
            self._finalize(batch_id, side, deadline)
            return BUSY
        if not self.clock.passed(deadline):
            self._sync_trades(batch_id, side)
            return WAITING
        if side is Side.SELL:
            self._cancel_open(batch_id, side)
        else:
            self.clock.end_of_day()
        return BUSY if self._all_final_at_broker(batch_id, side) else WAITING

    def _finish(self, batch_id: int) -> None:
        with self._sessions() as session, session.begin():
            batch = closing.finish_batch(session, batch_id)
            self._progress(
                "finished", {"batch": batch_id, "state": str(batch.state), "reason": batch.reason}
            )
        self._crash.reach("batch_finished")
        if self._after_batch is not None:
            self._after_batch(batch_id)

    def _phase(self, batch_id: int) -> int:
        with self._sessions() as session:
            batch = session.get(Batch, batch_id)
            assert batch is not None
            return batch.phase

    def _plan(self, batch_id: int, *, phase: int) -> None:
        with self._sessions() as session, session.begin():
            batch = session.get(Batch, batch_id, with_for_update=True)
            assert batch is not None
            symbols = set(
                session.execute(
                    select(BatchTarget.symbol).where(BatchTarget.batch_id == batch_id).distinct()
                ).scalars()
            )
            quotes = self._ask(lambda: self.broker.quotes(symbols))
            unquoted = sorted(symbols - set(quotes))
            side = Side.SELL if phase == 1 else Side.BUY
            if planning.skip_symbols(session, batch, unquoted, side=side, reason=NO_QUOTE):
                self._progress("unquoted", {"batch": batch_id, "symbols": ", ".join(unquoted)})
            held = sorted(pending_symbols(session, symbols - set(unquoted), self.config.trade_date))
            if planning.skip_symbols(session, batch, held, side=side, reason=CORPORATE_ACTION):
                self._progress("corporate_action", {"batch": batch_id, "symbols": ", ".join(held)})
            deferred = sorted(self._deferred(session, symbols - {*unquoted, *held}, side))
            if planning.skip_symbols(session, batch, deferred, side=side, reason=DEFERRED):
                self._progress(
                    "deferred",
                    {"batch": batch_id, "side": str(side), "symbols": ", ".join(deferred)},
                )
            limits = replace(self.config.limits, orders_used_today=self.limiter.used_today())
            request = planning.plan_request(
                session,
                batch,
                limits=limits,
                collar=self.config.collar,
                buy_charges_rate=self.config.buy_charges_rate,
                min_trade_value=self.config.min_trade_value,
                prices={s: q.price for s, q in quotes.items()},
                buys_only=phase == 2,
                exclude=[*unquoted, *held, *deferred],
                crossing=self.config.may_cross,
            )
            result = _within_band(planning.plan_batch(request), quotes)
            orders = planning.record_plan(
                session, batch, result, trade_date=self.config.trade_date, phase=phase
            )
            self._progress(
                "planned",
                {
                    "batch": batch_id,
                    "phase": phase,
                    "orders": len(orders),
                    "crossings": len(result.crossings) if phase == 1 else 0,
                },
            )
        self._crash.reach(f"planned_{phase}")

    def _deferred(self, session: Session, symbols: set[str], side: Side) -> set[str]:
        """The symbols this side must wait for: traded on the other side today, unless the
        operator allows same-day opposite orders."""
        if self.config.opposite_same_day:
            return set()
        other = Side.BUY if side is Side.SELL else Side.SELL
        return planning.traded_today(
            session, symbols, side=other, trade_date=self.config.trade_date
        )

    def _orders(self, batch_id: int, side: Side) -> list[BatchOrder]:
        with self._sessions() as session:
            return list(
                session.execute(
                    select(BatchOrder)
                    .where(BatchOrder.batch_id == batch_id, BatchOrder.side == str(side))
                    .order_by(BatchOrder.id)
                ).scalars()
            )

    def _slices(
        self, batch_id: int, side: Side, statuses: Iterable[SliceStatus]
    ) -> list[tuple[OrderSlice, BatchOrder]]:
        with self._sessions() as session:
            rows = session.execute(
                select(OrderSlice, BatchOrder)
                .join(BatchOrder, BatchOrder.id == OrderSlice.order_id)
                .where(
                    BatchOrder.batch_id == batch_id,
                    BatchOrder.side == str(side),
                    OrderSlice.status.in_(list(statuses)),
                )
                .order_by(OrderSlice.send_after_ms, OrderSlice.seq, BatchOrder.symbol)
            ).all()
            return [(piece, order) for piece, order in rows]

    def _send(self, batch_id: int, side: Side) -> None:
        while pending := self._slices(batch_id, side, [SliceStatus.PLANNED]):
            for piece, order in pending:
                self._send_one(piece, order)

    def _send_one(self, piece: OrderSlice, order: BatchOrder) -> None:
        """Mark, take a token, place, record: each step committed before the next."""
        with logs.bind(order=order.key, slice=piece.tag):
            self._place(piece, order)

    def _place(self, piece: OrderSlice, order: BatchOrder) -> None:
        self._renew()
        with self._sessions() as session, session.begin():
            fills.mark_slice(session, piece.id, SliceStatus.SENDING)
        self._crash.reach("marked_sending")
        self.limiter.acquire(piece.tag, on_wait=partial(self._rate_limited, piece, order))
        try:
            broker_id = self.broker.place_limit_order(
                tag=piece.tag,
                symbol=order.symbol,
                side=Side(order.side),
                quantity=piece.quantity,
                price=order.limit_price,
            )
        except BrokerRejected as error:
            self._mark(piece.id, SliceStatus.REJECTED, str(error))
            self._progress("rejected", {"tag": piece.tag, "message": str(error)})
            return
        except PlacementUnknown as error:
            self._mark(piece.id, SliceStatus.UNKNOWN, str(error))
            self._progress("unknown", {"tag": piece.tag, "message": str(error)})
            self._resolve(piece.id, piece.tag)
            return
        except BrokerUnavailable as error:
            self._mark(piece.id, SliceStatus.PLANNED, "")  # nothing was sent: send it later
            raise TradingHalted(str(error)) from error
        self._crash.reach("placed")
        with self._sessions() as session, session.begin():
            fills.record_broker_order(session, tag=piece.tag, broker_order_id=broker_id)
        self._progress(
            "sent",
            {
                "tag": piece.tag,
                "symbol": order.symbol,
                "side": order.side,
                "quantity": piece.quantity,
            },
        )
        self._crash.reach("recorded")

    def _rate_limited(self, piece: OrderSlice, order: BatchOrder, seconds: float) -> None:
        """Tell the batch's watchers that a send waits for the order-rate limiter."""
        limits = self.limiter.limits
        with self._sessions() as session, session.begin():
            events.publish(
                session,
                order.batch_id,
                "rate_limit",
                tag=piece.tag,
                wait_ms=round(seconds * 1000),
                per_second=limits.per_second,
                per_minute=limits.per_minute,
            )

    def _mark(self, slice_id: int, status: SliceStatus, message: str) -> None:
        with self._sessions() as session, session.begin():
            fills.mark_slice(session, slice_id, status, message[:300])

    def _resolve_unknown(self, batch_id: int, side: Side) -> None:
        for piece, order in self._slices(
            batch_id, side, [SliceStatus.SENDING, SliceStatus.UNKNOWN]
        ):
            with logs.bind(order=order.key, slice=piece.tag):
                self._resolve(piece.id, piece.tag)

    def _resolve(self, slice_id: int, tag: str) -> None:
        """Find a tag whose placement outcome is unknown; retry the lookup, never the order.

        A tag the rate limiter never granted was provably never sent (the engine stopped
        between marking the slice and taking a token): it goes back to be sent as planned."""
        with self._sessions() as session, session.begin():
            if not fills.was_sent(session, tag):
                fills.mark_slice(session, slice_id, SliceStatus.PLANNED, "")
                self._progress("resolved", {"tag": tag, "found": None, "never_sent": True})
                return
        for attempt in range(self.config.lookups):
            if attempt and self.config.lookup_pause:
                time.sleep(self.config.lookup_pause * attempt)
            found = self._by_tag().get(tag)
            if found is not None:
                with self._sessions() as session, session.begin():
                    if found.status is OrderState.REJECTED:
                        fills.mark_slice(
                            session, slice_id, SliceStatus.REJECTED, found.message[:300]
                        )
                    else:
                        fills.record_broker_order(
                            session, tag=tag, broker_order_id=found.broker_order_id
                        )
                self._progress("resolved", {"tag": tag, "found": found.broker_order_id})
                return
        with self._sessions() as session, session.begin():
            piece = session.get(OrderSlice, slice_id)
            assert piece is not None
            if not self.config.resend_unseen:
                fills.mark_slice(
                    session,
                    slice_id,
                    SliceStatus.REJECTED,
                    f"not in the broker's book after {self.config.lookups} lookups; "
                    "not sent again (its tag stays watched)",
                )
                self._progress("resolved", {"tag": tag, "found": None, "gave_up": True})
                return
            if piece.attempt + 1 >= self.config.attempts:
                fills.mark_slice(
                    session,
                    slice_id,
                    SliceStatus.REJECTED,
                    f"not placed after {self.config.attempts} attempts",
                )
                self._progress("resolved", {"tag": tag, "found": None, "gave_up": True})
                return
            piece = fills.retry_slice(session, slice_id)
            self._progress("resolved", {"tag": tag, "found": None, "retry_as": piece.tag})

    def _by_tag(self) -> dict[str, BrokerOrder]:
        return {o.tag: o for o in self._ask(self.broker.orders)}

    def _ask(self, call: Callable[[], T]) -> T:
        """Call the broker; an unavailable broker halts trading (the batch resumes later)."""
        try:
            return call()
        except BrokerUnavailable as error:
            raise TradingHalted(str(error)) from error

    def _all_final_at_broker(self, batch_id: int, side: Side) -> bool:
        book = self._by_tag()
        for piece, _ in self._slices(batch_id, side, [SliceStatus.SENT]):
            found = book.get(piece.tag)
            if found is None or not found.final:
                return False
        return True

    def _cancel_open(self, batch_id: int, side: Side) -> None:
        book = self._by_tag()
        for piece, order in self._slices(batch_id, side, [SliceStatus.SENT]):
            found = book.get(piece.tag)
            if found is not None and not found.final:
                with logs.bind(order=order.key, slice=piece.tag):
                    self._ask(partial(self.broker.cancel_order, found.broker_order_id))
                    self._progress(
                        "cancelled", {"tag": piece.tag, "left": found.quantity - found.filled}
                    )

    def _sync_trades(self, batch_id: int, side: Side) -> int:
        """Record the trade book's new fills of the batch (each trade once), and deal with any
        stray order the book shows."""
        self._watch_strays(self._by_tag())
        trades = self._ask(self.broker.trades)
        with self._sessions() as session, session.begin():
            new = fills.sync_trades(session, batch_id, trades)
            for stray in fills.record_stray_trades(
                session, trades, trade_date=self.config.trade_date
            ):
                self._progress(
                    "stray_fill",
                    {
                        "tag": stray.tag,
                        "side": str(stray.side),
                        "quantity": stray.quantity,
                        "symbol": stray.symbol,
                    },
                )
        if new:
            self._progress("trades", {"batch": batch_id, "side": str(side), "new": new})
        return new

    def _finalize(self, batch_id: int, side: Side, until: Deadline) -> None:
        self._sync_trades(batch_id, side)
        self._crash.reach("trades_synced")
        book = self._by_tag()
        for order in self._orders(batch_id, side):
            if order.status is OrderStatus.FINAL:
                continue
            with logs.bind(order=order.key):
                self._allocate(order, book, until)
            self._crash.reach("finalized")

    def _allocate(self, order: BatchOrder, book: dict[str, BrokerOrder], until: Deadline) -> None:
        with self._sessions() as session, session.begin():
            reason = _reason(session, order, book, until)
            result = allocation.finalize_order(
                session, order_key=order.key, reason=reason, trade_date=self.config.trade_date
            )
        if result is not None:
            self._progress(
                "allocated",
                {
                    "order": order.key,
                    "filled": result.filled,
                    "of": order.quantity,
                    "reason": reason,
                },
            )

    def _watch_strays(self, book: dict[str, BrokerOrder]) -> None:
        """Orders at the broker under a tag Saras sent but no longer trades under: an attempt
        the book showed only after its slice was sent again or given up. Cancel what is open of
        them and alert once each (their fills reach no participant; reconciliation shows them).
        """
        with self._sessions() as session, session.begin():
            live = [o for o in book.values() if o.status is not OrderState.REJECTED]
            strays = fills.strays(session, live)
            if not strays:
                return
            known = {a.details.get("tag") for a in open_alerts(session, "duplicate_placement")}
            for stray in strays:
                if stray.tag in known:
                    continue
                raise_alert(
                    session,
                    "duplicate_placement",
                    f"the broker shows order {stray.broker_order_id} under the tag {stray.tag}, "
                    f"which Saras no longer trades under ({stray.filled} of {stray.quantity} "
                    "filled); its fills are in no participant's book",
                    tag=stray.tag,
                    broker_order_id=stray.broker_order_id,
                    filled=stray.filled,
                )
        for stray in strays:
            if not stray.final:
                self._ask(partial(self.broker.cancel_order, stray.broker_order_id))
            self._progress("stray", {"tag": stray.tag, "filled": stray.filled})


def _reason(
    session: Session, order: BatchOrder, book: dict[str, BrokerOrder], until: Deadline
) -> str:
    """Why the order is final, from its slices' state at the broker."""
    statuses = []
    for piece in session.execute(
        select(OrderSlice).where(OrderSlice.order_id == order.id)
    ).scalars():
        found = book.get(piece.tag)
        if piece.status is SliceStatus.REJECTED:
            statuses.append(f"rejected: {piece.message}")
        elif found is None:
            statuses.append("never placed")
        elif found.status is OrderState.COMPLETE:
            statuses.append("filled")
        elif found.status is OrderState.CANCELLED:
            statuses.append(
                "cancelled at the cut-off" if until is Deadline.CUTOFF else "expired at the close"
            )
        else:
            statuses.append(found.status.lower())
    distinct = sorted(set(statuses))
    return "; ".join(distinct)[:200] if distinct else "nothing to send"


def _within_band(result: Plan, quotes: dict[str, Quote]) -> Plan:
    """Clamp every limit price inside the day's band (the band's ends are on the tick)."""
    orders = []
    for order in result.orders:
        quote = quotes[order.symbol]
        limit = min(max(order.limit_price, quote.lower), quote.upper)
        orders.append(replace(order, limit_price=limit) if limit != order.limit_price else order)
    return replace(result, orders=tuple(orders))
