"""The execution gateway: how the engine (or the Lean algorithm) records a batch's life.

Every function takes the caller's `Session` and never commits; the caller's transaction is the
unit of work. The order of use:

1. `claim_ready_batch`: take one ready batch (``FOR UPDATE SKIP LOCKED``) and mark it executing;
2. `plan_request` + `allocator.plan` + `record_plan`: the crossings, orders, pre-trade
   statements, slices (each with its client tag) and skips, written in one transaction before
   anything is sent; crossings are booked at once;
3. `record_broker_order` per slice sent; `record_trade` per broker trade (once per broker trade
   id, whatever the number of times it is reported);
4. `finalize_order` when an order is final: all its trades are allocated once with
   `allocator.allocate` and posted to the ledger in the same transaction;
5. `finish_batch` when every order is final.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from allocator import (
    Account,
    Charges,
    Fill,
    Limits,
    OrderAllocation,
    Participant,
    Plan,
    PlanRequest,
    Side,
    Trade,
    allocate,
    delivery_charges,
)
from allocator.charges import COMPONENTS
from bridge_api.brokers.port import BrokerOrder
from bridge_api.brokers.port import BrokerTrade as BrokerTradeReport
from bridge_api.db.copy import copy_rows
from bridge_api.db.models import (
    Batch,
    BatchCrossing,
    BatchOrder,
    BatchParticipant,
    BatchSkip,
    BatchState,
    BatchTarget,
    BrokerTrade,
    Bucket,
    Cause,
    Instrument,
    Intent,
    IntentKind,
    IntentStatus,
    JournalEntry,
    LedgerKind,
    OrderParticipant,
    OrderSend,
    OrderSlice,
    OrderStatus,
    Posting,
    SettledEntry,
    SliceStatus,
    Subscription,
    SubscriptionStatus,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict, NotFound
from bridge_api.ledger.lots import Sale, add_lots, consume_fifo_many
from bridge_api.ledger.service import (
    HOUSE,
    MARKET,
    Leg,
    among,
    balance,
    balances_of,
    books_of,
    charges_account,
    holdings,
    named_account,
    post,
    subscription_account,
    subscription_accounts,
    take_out,
)
from bridge_api.notifications import jobs
from bridge_api.notifications.jobs import enqueue
from bridge_api.portfolios.cash import release

ACCOUNT_PREFIX = "sub-"
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def account_name(subscription_id: int) -> str:
    """The allocator's name for a subscription (it seeds tie-breaks, so it is stable)."""
    return f"{ACCOUNT_PREFIX}{subscription_id}"


def subscription_of(name: str) -> int:
    """The subscription id behind an allocator account name."""
    return int(name.removeprefix(ACCOUNT_PREFIX))


_TAG = re.compile(r"B[0-9A-Z]+o[0-9A-Z]+s[0-9A-Z]+a[0-9A-Z]+")


def client_tag(batch_id: int, order_id: int, seq: int, attempt: int) -> str:
    """The broker order tag of a slice: at most 20 alphanumeric characters, unique per
    (batch, order, slice, attempt), e.g. ``B1Zo2Ps0a0``: upper-case base-36 numbers between
    lower-case markers, so no two slices' tags can read alike."""
    tag = f"B{_b36(batch_id)}o{_b36(order_id)}s{_b36(seq)}a{_b36(attempt)}"
    if len(tag) > 20:
        raise Conflict(f"client tag {tag} is longer than 20 characters")
    return tag


def is_client_tag(tag: str) -> bool:
    """Whether a broker order's tag is one Saras gives its slices."""
    return _TAG.fullmatch(tag) is not None


def _b36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
        if number == 0:
            return digits


def claim_ready_batch(session: Session) -> Batch | None:
    """The oldest ready batch no other engine holds, now executing; None when there is none."""
    batch = session.execute(
        select(Batch)
        .where(Batch.state == BatchState.READY)
        .order_by(Batch.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if batch is not None:
        batch.state = BatchState.EXECUTING
    return batch


def plan_request(
    session: Session,
    batch: Batch,
    *,
    limits: Limits | None = None,
    collar: Decimal = Decimal("0.01"),
    buy_charges_rate: Decimal = Decimal("0.00120"),
    min_trade_value: Decimal = Decimal("0.00"),
    prices: Mapping[str, Decimal] | None = None,
    buys_only: bool = False,
) -> PlanRequest:
    """The allocator's input for a batch: its allocation table, each subscription's own cash,
    and per-symbol order caps from the instrument list.

    `prices` replace the allocation table's (fresh quotes at execution). With `buys_only`
    (phase 2), holdings are the ledger's after the sells, no target is below a holding, and
    nothing is crossed: what remains is each subscription's buys, funded by its own cash
    including what its sells raised.
    """
    rows = session.execute(
        select(
            BatchTarget.subscription_id,
            BatchTarget.symbol,
            BatchTarget.holding,
            BatchTarget.target,
            BatchTarget.price,
        ).where(BatchTarget.batch_id == batch.id)
    )
    positions: dict[int, tuple[dict[str, int], dict[str, int]]] = defaultdict(lambda: ({}, {}))
    reference: dict[str, Decimal] = {}
    for sid, symbol, holding, target, price in rows:
        held, wanted = positions[sid]
        held[symbol], wanted[symbol] = holding, target
        reference[symbol] = price
    if prices is not None:
        reference.update({s: p for s, p in prices.items() if s in reference})
    accounts = subscription_accounts(session, positions)
    books = books_of(session, accounts.values())
    if buys_only:
        for sid, (held, wanted) in positions.items():
            now = books[accounts[sid]].shares
            for symbol in wanted:
                held[symbol] = now.get(symbol, 0)
                wanted[symbol] = max(wanted[symbol], held[symbol])
    instruments = (
        session.execute(select(Instrument).where(Instrument.symbol.in_(reference))).scalars().all()
    )
    base = limits or Limits()
    caps = {i.symbol: i.max_order_quantity for i in instruments if i.max_order_quantity}
    accounts_in = [
        Account(
            account=account_name(sid), holdings=held, targets=wanted, cash=books[accounts[sid]].cash
        )
        for sid, (held, wanted) in sorted(positions.items())
    ]
    return PlanRequest(
        batch=f"b{batch.id}",
        prices=reference,
        tick_size={i.symbol: i.tick_size for i in instruments},
        accounts=accounts_in,
        limits=Limits(
            max_quantity=base.max_quantity,
            max_quantity_by_symbol={**caps, **base.max_quantity_by_symbol},
            max_value=base.max_value,
            orders_per_second=base.orders_per_second,
            orders_per_minute=base.orders_per_minute,
            orders_per_day=base.orders_per_day,
            orders_used_today=base.orders_used_today,
        ),
        collar=collar,
        buy_charges_rate=buy_charges_rate,
        min_trade_value=min_trade_value,
        cross=batch.cross and not buys_only,
    )


def record_plan(
    session: Session, batch: Batch, plan: Plan, *, trade_date: date, phase: int
) -> list[BatchOrder]:
    """Write one phase of the plan before anything of it is sent.

    Phase 1 is the crossings (booked at once) and the sells; phase 2 the buys, re-planned after
    the sells, with their amended pre-trade statements. Each phase is recorded once, in order.
    """
    if batch.state is not BatchState.EXECUTING:
        raise Conflict(f"batch {batch.id} is {batch.state}, not executing")
    if phase not in (1, 2) or batch.phase != phase - 1:
        raise Conflict(
            f"batch {batch.id} has recorded phase {batch.phase} of its plan; "
            f"cannot record phase {phase}"
        )
    side = Side.SELL if phase == 1 else Side.BUY
    if phase == 1:
        for crossing in plan.crossings:
            session.add(
                BatchCrossing(
                    batch_id=batch.id,
                    subscription_id=subscription_of(crossing.account),
                    symbol=crossing.symbol,
                    side=str(crossing.side),
                    quantity=crossing.quantity,
                    price=crossing.price,
                )
            )
        _book_crossings(session, batch, plan, trade_date)
        batch.planned_at, batch.trade_date = datetime.now(UTC), trade_date
    orders = []
    for planned in (o for o in plan.orders if o.side is side):
        order = BatchOrder(
            batch_id=batch.id,
            key=planned.id,
            symbol=planned.symbol,
            side=str(planned.side),
            quantity=planned.quantity,
            limit_price=planned.limit_price,
        )
        session.add(order)
        session.flush()
        copy_rows(
            session,
            "order_participants",
            ("order_id", "subscription_id", "quantity"),
            ((order.id, subscription_of(p.account), p.quantity) for p in planned.participants),
        )
        session.add_all(
            OrderSlice(
                order_id=order.id,
                seq=seq,
                quantity=piece.quantity,
                send_after_ms=piece.send_after_ms,
                tag=client_tag(batch.id, order.id, seq, 0),
            )
            for seq, piece in enumerate(planned.slices)
        )
        orders.append(order)
    copy_rows(
        session,
        "batch_skips",
        ("batch_id", "subscription_id", "symbol", "side", "quantity", "reason"),
        (
            (
                batch.id,
                subscription_of(skip.account),
                skip.symbol,
                str(skip.side),
                skip.quantity,
                skip.reason,
            )
            for skip in plan.skipped
            if skip.side is side
        ),
    )
    batch.phase = phase
    session.flush()
    return orders


def _book_crossings(session: Session, batch: Batch, plan: Plan, trade_date: date) -> None:
    """One journal entry per crossed symbol: shares and cash change hands at the reference
    price; buyers open lots, sellers consume theirs (all in bulk)."""
    by_symbol: dict[str, list[tuple[int, Side, int, Decimal]]] = defaultdict(list)
    for c in plan.crossings:
        by_symbol[c.symbol].append((subscription_of(c.account), c.side, c.quantity, c.price))
    accounts = subscription_accounts(session, [subscription_of(c.account) for c in plan.crossings])
    for symbol, crossed in sorted(by_symbol.items()):
        cash = balances_of(
            session, [accounts[sid] for sid, side, _, _ in crossed if side is Side.BUY], CASH
        )
        shares = balances_of(
            session, [accounts[sid] for sid, side, _, _ in crossed if side is Side.SELL], symbol
        )
        legs: list[Leg] = []
        for sid, side, quantity, price in crossed:
            account, value = accounts[sid], price * quantity
            if side is Side.BUY:
                legs += [
                    *take_out(account, CASH, value, cash[account][Bucket.SETTLED]),
                    Leg(account, symbol, Decimal(quantity)),
                ]
            else:
                legs += [
                    *take_out(account, symbol, Decimal(quantity), shares[account][Bucket.SETTLED]),
                    Leg(account, CASH, value),
                ]
        entry = post(
            session,
            cause=Cause.CROSSING,
            legs=legs,
            effective_on=trade_date,
            batch_id=batch.id,
            memo=f"internal crossing of {symbol}",
        )
        bought = [
            (sid, quantity, price * quantity)
            for sid, side, quantity, price in crossed
            if side is Side.BUY
        ]
        sold = [
            Sale(sid, quantity, price * quantity)
            for sid, side, quantity, price in crossed
            if side is Side.SELL
        ]
        add_lots(session, symbol=symbol, acquired_on=trade_date, entry_id=entry.id, lots=bought)
        consume_fifo_many(session, symbol=symbol, sales=sold, sold_on=trade_date, entry_id=entry.id)


def record_broker_order(session: Session, *, tag: str, broker_order_id: str) -> OrderSlice:
    """The broker accepted the slice sent under `tag` as `broker_order_id`."""
    piece = session.execute(
        select(OrderSlice).where(OrderSlice.tag == tag).with_for_update()
    ).scalar_one_or_none()
    if piece is None:
        raise NotFound(f"no slice with tag {tag}")
    if piece.broker_order_id not in (None, broker_order_id):
        raise Conflict(f"slice {tag} is already broker order {piece.broker_order_id}")
    piece.broker_order_id, piece.status = broker_order_id, SliceStatus.SENT
    order = session.get(BatchOrder, piece.order_id, with_for_update=True)
    assert order is not None
    if order.status is OrderStatus.PLANNED:
        order.status = OrderStatus.OPEN
    return piece


def record_trade(
    session: Session,
    *,
    order_key: str,
    broker_trade_id: str,
    quantity: int,
    price: Decimal,
    traded_at: datetime,
    slice_tag: str | None = None,
) -> bool:
    """Record one broker trade of an order, once; True when it was new.

    Refused when the order is already allocated, or when the trade would fill more than the
    order (the statement could not cover it).
    """
    order = session.execute(
        select(BatchOrder).where(BatchOrder.key == order_key).with_for_update()
    ).scalar_one_or_none()
    if order is None:
        raise NotFound(f"no order {order_key}")
    if session.execute(
        select(BrokerTrade.id).where(
            BrokerTrade.order_id == order.id, BrokerTrade.broker_trade_id == broker_trade_id
        )
    ).first():
        return False
    if order.status is OrderStatus.FINAL:
        raise Conflict(
            f"order {order_key} is already allocated; trade {broker_trade_id} arrived late"
        )
    if price > order.limit_price if order.side == "BUY" else price < order.limit_price:
        raise Conflict(
            f"trade {broker_trade_id} at {price} is beyond {order_key}'s limit {order.limit_price}"
        )
    filled = session.execute(
        select(func.coalesce(func.sum(BrokerTrade.quantity), 0)).where(
            BrokerTrade.order_id == order.id
        )
    ).scalar_one()
    if filled + quantity > order.quantity:
        raise Conflict(
            f"trade {broker_trade_id} would fill {filled + quantity} "
            f"of order {order_key}'s {order.quantity}"
        )
    slice_id = None
    if slice_tag is not None:
        slice_id = session.execute(
            select(OrderSlice.id).where(OrderSlice.tag == slice_tag)
        ).scalar_one_or_none()
    inserted = session.execute(
        insert(BrokerTrade)
        .values(
            broker_trade_id=broker_trade_id,
            order_id=order.id,
            slice_id=slice_id,
            quantity=quantity,
            price=price,
            traded_at=traded_at,
        )
        .on_conflict_do_nothing(index_elements=["order_id", "broker_trade_id"])
        .returning(BrokerTrade.id)
    ).first()
    return inserted is not None


def finalize_order(
    session: Session,
    *,
    order_key: str,
    reason: str,
    trade_date: date,
    charges: Mapping[str, Decimal] | None = None,
) -> OrderAllocation | None:
    """Allocate a final order's trades once and post them; None if it was already allocated.

    `charges` (components) default to the delivery charges of the order's own trades. A
    participant whose cash cannot cover its share of the charges pays what it has; the house
    account pays the rest (a rounding residue, visible in the journal).
    """
    order = session.execute(
        select(BatchOrder).where(BatchOrder.key == order_key).with_for_update()
    ).scalar_one_or_none()
    if order is None:
        raise NotFound(f"no order {order_key}")
    if order.status is OrderStatus.FINAL:
        return None
    statement = session.execute(
        select(OrderParticipant.subscription_id, OrderParticipant.quantity).where(
            OrderParticipant.order_id == order.id
        )
    ).all()
    trades = (
        session.execute(
            select(BrokerTrade).where(BrokerTrade.order_id == order.id).order_by(BrokerTrade.id)
        )
        .scalars()
        .all()
    )
    fills = [
        Fill(trade_id=t.broker_trade_id, quantity=t.quantity, price=t.price, time=t.traded_at)
        for t in trades
    ]
    side = Side(order.side)
    if charges is None:
        breakdown = delivery_charges(
            trade_date,
            [
                Trade(symbol=order.symbol, side=side, quantity=f.quantity, price=f.price)
                for f in fills
            ],
        )
        charges = {name: value for name, value in breakdown.rupees().items() if name != "total"}
    unknown = set(charges) - set(COMPONENTS) - {"total"}
    if unknown:
        raise Conflict(f"unknown charge components {sorted(unknown)}")
    charges = {name: amount for name, amount in charges.items() if name in COMPONENTS}
    result = allocate(
        order_id=order.key,
        participants=[
            Participant(account=account_name(sid), quantity=quantity) for sid, quantity in statement
        ],
        fills=fills,
        charges=dict(charges),
    )
    _post_allocation(session, order, side, result, trade_date)
    order.status, order.final_reason, order.allocated_at = (
        OrderStatus.FINAL,
        reason,
        datetime.now(UTC),
    )
    for piece in session.execute(
        select(OrderSlice).where(
            OrderSlice.order_id == order.id, OrderSlice.status != SliceStatus.REJECTED
        )
    ).scalars():
        piece.status = SliceStatus.FINAL  # a rejected slice stays so: its tag is not trading
    enqueue(session, jobs.order_allocated, order_id=order.id, key=order.key, filled=result.filled)
    return result


def _post_allocation(
    session: Session, order: BatchOrder, side: Side, result: OrderAllocation, trade_date: date
) -> None:
    """Post the order's value and shares, then its charges, then its lots, all in bulk."""
    market = named_account(session, MARKET, LedgerKind.EXTERNAL)
    symbol = order.symbol
    sids = [subscription_of(a.account) for a in result.allocations]
    accounts = subscription_accounts(session, sids)
    allocations = [(sid, a) for sid, a in zip(sids, result.allocations, strict=True) if a.quantity]
    legs: list[Leg] = []
    if side is Side.BUY:
        cash = balances_of(session, [accounts[sid] for sid, _ in allocations], CASH)
        if result.filled:
            legs += [
                Leg(market, CASH, result.value),
                Leg(market, symbol, Decimal(-result.filled), Bucket.UNSETTLED),
            ]
        for sid, a in allocations:
            account = accounts[sid]
            legs += take_out(account, CASH, a.value, cash[account][Bucket.SETTLED])
            legs.append(Leg(account, symbol, Decimal(a.quantity), Bucket.UNSETTLED))
    else:
        shares = balances_of(session, [accounts[sid] for sid, _ in allocations], symbol)
        if result.filled:
            legs += [
                Leg(market, CASH, -result.value, Bucket.UNSETTLED),
                Leg(market, symbol, Decimal(result.filled)),
            ]
        for sid, a in allocations:
            account = accounts[sid]
            legs.append(Leg(account, CASH, a.value, Bucket.UNSETTLED))
            legs += take_out(account, symbol, Decimal(a.quantity), shares[account][Bucket.SETTLED])
    entry = None
    if legs:
        entry = post(
            session,
            cause=Cause.ORDER_ALLOCATION,
            legs=legs,
            effective_on=trade_date,
            batch_id=order.batch_id,
            order_id=order.id,
            memo=f"{order.key}: {result.filled} at {result.average_price}",
        )
    paid = _post_charges(session, order, result, accounts, trade_date)
    records: list[tuple[object, ...]] = []
    lots: list[tuple[int, int, Decimal]] = []
    sales: list[Sale] = []
    for sid, a in zip(sids, result.allocations, strict=True):
        total = paid.get(sid, Decimal("0.00"))
        stt = min(_components(a.charges).get("stt", Decimal(0)), total)
        records.append((order.id, sid, a.quantity + a.unfilled, a.quantity, a.value, total, stt))
        if a.quantity:
            deductible = total - stt
            if side is Side.BUY:
                lots.append((sid, a.quantity, a.value + deductible))
            else:
                sales.append(Sale(sid, a.quantity, a.value - deductible))
    copy_rows(
        session,
        "order_allocations",
        ("order_id", "subscription_id", "requested", "quantity", "value", "charges", "stt"),
        records,
    )
    if entry is not None:
        add_lots(session, symbol=symbol, acquired_on=trade_date, entry_id=entry.id, lots=lots)
        if sales:
            consume_fifo_many(
                session, symbol=symbol, sales=sales, sold_on=trade_date, entry_id=entry.id
            )


def _post_charges(
    session: Session,
    order: BatchOrder,
    result: OrderAllocation,
    accounts: Mapping[int, int],
    trade_date: date,
) -> dict[int, Decimal]:
    """Post each participant's charges by component (each subscription appears once per
    order); returns what each subscription paid (the house pays what it could not)."""
    legs: list[Leg] = []
    paid: dict[int, Decimal] = {}
    house = named_account(session, HOUSE, LedgerKind.HOUSE)
    owing = [(subscription_of(a.account), _components(a.charges)) for a in result.allocations]
    owing = [(sid, parts) for sid, parts in owing if sum(parts.values(), Decimal(0))]
    cash = balances_of(session, [accounts[sid] for sid, _ in owing], CASH)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for sid, components in owing:
        owed = sum(components.values(), Decimal(0))
        account = accounts[sid]
        held = cash[account]
        available = max(held[Bucket.SETTLED] + held[Bucket.UNSETTLED], Decimal(0))
        covered = owed - min(owed, available)
        paid[sid] = owed - covered
        for name in COMPONENTS:
            totals[name] += components.get(name, Decimal(0))
        if paid[sid]:
            legs += take_out(account, CASH, paid[sid], held[Bucket.SETTLED])
        if covered:
            legs.append(Leg(house, CASH, -covered))
    legs += [
        Leg(charges_account(session, name), CASH, amount)
        for name, amount in totals.items()
        if amount
    ]
    if legs:
        post(
            session,
            cause=Cause.CHARGES,
            legs=legs,
            effective_on=trade_date,
            batch_id=order.batch_id,
            order_id=order.id,
            memo=f"charges of {order.key}",
        )
    return paid


def _components(charges: Charges) -> dict[str, Decimal]:
    """Charges as components; a bare total counts as the component ``total``."""
    if isinstance(charges, Decimal):
        return {"total": charges}
    return dict(charges)


def mark_slice(
    session: Session, slice_id: int, status: SliceStatus, message: str | None = None
) -> OrderSlice:
    """Move a slice to `status` (``sending`` is written before the broker is called)."""
    piece = session.get(OrderSlice, slice_id, with_for_update=True)
    if piece is None:
        raise NotFound(f"no slice {slice_id}")
    piece.status, piece.message = status, message
    return piece


def retry_slice(session: Session, slice_id: int) -> OrderSlice:
    """A slice whose placement provably never reached the broker gets a new attempt and tag."""
    piece = session.get(OrderSlice, slice_id, with_for_update=True)
    if piece is None:
        raise NotFound(f"no slice {slice_id}")
    order = session.get(BatchOrder, piece.order_id)
    assert order is not None
    piece.attempt += 1
    piece.tag = client_tag(order.batch_id, order.id, piece.seq, piece.attempt)
    piece.status, piece.message = SliceStatus.PLANNED, None
    return piece


def sync_trades(session: Session, batch_id: int, trades: Sequence[BrokerTradeReport]) -> int:
    """Record the broker's trades of this batch's working slices (each once); returns how many
    were new. Trades under any other tag (a slice given up, a superseded attempt) are strays,
    left to `strays`."""
    slices = dict(
        session.execute(
            select(OrderSlice.tag, BatchOrder.key)
            .join(BatchOrder, BatchOrder.id == OrderSlice.order_id)
            .where(
                BatchOrder.batch_id == batch_id,
                OrderSlice.status.in_([SliceStatus.SENT, SliceStatus.FINAL]),
            )
        ).all()
    )
    new = 0
    for trade in trades:
        key = slices.get(trade.tag)
        if key is None:
            continue
        new += record_trade(
            session,
            order_key=key,
            broker_trade_id=trade.trade_id,
            quantity=trade.quantity,
            price=trade.price,
            traded_at=trade.at,
            slice_tag=trade.tag,
        )
    return new


def was_sent(session: Session, tag: str) -> bool:
    """Whether the rate limiter granted a placement under `tag` (it records each before the
    broker is called, so a tag it never granted never reached the broker)."""
    return session.execute(select(OrderSend.id).where(OrderSend.tag == tag)).first() is not None


def strays(session: Session, orders: Sequence[BrokerOrder]) -> list[BrokerOrder]:
    """Of the broker's orders, those under a tag Saras sent (per the rate limiter's record)
    whose slice no longer trades under it: superseded by a new attempt, or given up."""
    tags = [o.tag for o in orders if o.tag]
    if not tags:
        return []
    sent = set(
        session.execute(select(OrderSend.tag).where(OrderSend.tag.in_(tags))).scalars()
    )
    status = dict(
        session.execute(
            select(OrderSlice.tag, OrderSlice.status).where(OrderSlice.tag.in_(tags))
        ).all()
    )
    return [
        o
        for o in orders
        if o.tag in sent and status.get(o.tag, SliceStatus.REJECTED) is SliceStatus.REJECTED
    ]


def finish_batch(session: Session, batch_id: int) -> Batch:
    """Close a batch whose orders are all final.

    It is completed when every order filled in full and no buy was cut for funds; otherwise
    partially completed, with each short leg named (the manager then repairs or archives it).
    An exit whose sells all filled closes its subscription and returns its cash; one that did
    not goes back to pending for the next batch.
    """
    batch = _executing(session, batch_id)
    if batch.phase == 0:
        raise Conflict(f"batch {batch_id} was never planned; fail it instead")
    orders = (
        session.execute(select(BatchOrder).where(BatchOrder.batch_id == batch.id)).scalars().all()
    )
    open_orders = [o.key for o in orders if o.status is not OrderStatus.FINAL]
    if open_orders:
        raise Conflict(f"orders still open: {', '.join(open_orders)}")
    filled = _filled(session, [o.id for o in orders])
    short = [
        f"{o.key} {filled.get(o.id, 0)}/{o.quantity} ({o.final_reason})"
        for o in orders
        if filled.get(o.id, 0) < o.quantity
    ]
    cut = session.execute(
        select(BatchSkip.symbol, func.sum(BatchSkip.quantity))
        .where(BatchSkip.batch_id == batch.id, BatchSkip.reason == "funds")
        .group_by(BatchSkip.symbol)
        .order_by(BatchSkip.symbol)
    ).all()
    short += [f"{symbol} {quantity} cut for funds" for symbol, quantity in cut]
    batch.state = BatchState.PARTIALLY_COMPLETED if short else BatchState.COMPLETED
    batch.reason = "; ".join(short)[:500]
    _close_participants(session, batch)
    intents = (
        session.execute(
            select(Intent).where(Intent.batch_id == batch.id).order_by(Intent.subscription_id)
        )
        .scalars()
        .all()
    )
    subscriptions = _locked_subscriptions(session, {i.subscription_id for i in intents})
    for intent in intents:
        intent.status = IntentStatus.DONE
        subscription = subscriptions[intent.subscription_id]
        if intent.kind is IntentKind.REBALANCE and intent.version_id is not None:
            subscription.version_id = intent.version_id
        if intent.kind is IntentKind.EXIT and not _close_if_empty(session, subscription):
            intent.status, intent.batch_id = IntentStatus.PENDING, None
            intent.note = f"exit not complete in batch {batch.id}; waiting for the next batch"
    enqueue(session, jobs.batch_finished, batch_id=batch.id, state=str(batch.state))
    return batch


def fail_batch(session: Session, batch_id: int, *, reason: str) -> Batch:
    """End an executing batch that cannot go on, once nothing of it is live at the broker.

    If nothing traded, its intents go back to pending; otherwise they are done and the
    residue is for a repair batch.
    """
    batch = _executing(session, batch_id)
    live = session.execute(
        select(func.count())
        .select_from(OrderSlice)
        .join(BatchOrder, BatchOrder.id == OrderSlice.order_id)
        .where(
            BatchOrder.batch_id == batch.id,
            BatchOrder.status != OrderStatus.FINAL,
            OrderSlice.status.in_([SliceStatus.SENDING, SliceStatus.SENT, SliceStatus.UNKNOWN]),
        )
    ).scalar_one()
    if live:
        raise Conflict(f"batch {batch_id} has {live} slices live or unresolved at the broker")
    orders = [
        o.id
        for o in session.execute(
            select(BatchOrder).where(BatchOrder.batch_id == batch.id)
        ).scalars()
    ]
    traded = any(_filled(session, orders).values())
    crossed = session.execute(
        select(func.count()).select_from(BatchCrossing).where(BatchCrossing.batch_id == batch.id)
    ).scalar_one()
    batch.state, batch.reason = BatchState.FAILED, reason[:500]
    _close_participants(session, batch)
    for intent in session.execute(select(Intent).where(Intent.batch_id == batch.id)).scalars():
        if traded or crossed:
            intent.status = IntentStatus.DONE
        else:
            intent.status, intent.batch_id = IntentStatus.PENDING, None
    enqueue(session, jobs.batch_finished, batch_id=batch.id, state=str(batch.state))
    return batch


def _executing(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id, with_for_update=True)
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    if batch.state is not BatchState.EXECUTING:
        raise Conflict(f"batch {batch_id} is {batch.state}, not executing")
    return batch


def _filled(session: Session, order_ids: Sequence[int]) -> dict[int, int]:
    return dict(
        session.execute(
            select(BrokerTrade.order_id, func.sum(BrokerTrade.quantity))
            .where(BrokerTrade.order_id.in_(order_ids))
            .group_by(BrokerTrade.order_id)
        ).all()
    )


def _close_participants(session: Session, batch: Batch) -> None:
    for participant in session.execute(
        select(BatchParticipant).where(BatchParticipant.batch_id == batch.id)
    ).scalars():
        participant.open = False


def _locked_subscriptions(session: Session, ids: set[int]) -> dict[int, Subscription]:
    """Lock subscriptions in id order (one order everywhere, so no deadlock)."""
    rows = session.execute(
        select(Subscription)
        .where(among(Subscription.id, ids))
        .order_by(Subscription.id)
        .with_for_update()
    ).scalars()
    return {s.id: s for s in rows}


def _close_if_empty(session: Session, subscription: Subscription) -> bool:
    """Close a subscription that holds no shares, returning its cash; False if it still holds."""
    account = subscription_account(session, subscription.id)
    if holdings(session, account):
        return False
    for bucket in (Bucket.SETTLED, Bucket.UNSETTLED):
        amount = balance(session, account, CASH, bucket)
        if amount > 0:
            release(
                session,
                subscription.user_id,
                subscription.id,
                amount=amount,
                bucket=bucket,
                memo="exit: cash returned",
            )
    subscription.status = SubscriptionStatus.CLOSED
    return True


def settle(session: Session, *, as_of: date) -> int:
    """T+1: settle, in one netted entry, the unsettled postings of every entry dated before
    `as_of` that is not settled yet; returns how many entries it settled.

    Run it at the start of trading day `as_of`, before that day's trades. Netting matters: a
    day's buy may have spent the previous day's unsettled sale proceeds, so only the sum of
    the entries moves without taking any book below zero.
    """
    done = select(SettledEntry.entry_id)
    pending = list(
        session.execute(
            select(JournalEntry.id)
            .where(
                JournalEntry.effective_on < as_of,
                JournalEntry.cause != Cause.SETTLEMENT,
                JournalEntry.id.in_(
                    select(Posting.entry_id).where(Posting.bucket == Bucket.UNSETTLED)
                ),
                JournalEntry.id.not_in(done),
            )
            .order_by(JournalEntry.id)
        ).scalars()
    )
    if not pending:
        return 0
    net: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for posting in session.execute(
        select(Posting).where(among(Posting.entry_id, pending), Posting.bucket == Bucket.UNSETTLED)
    ).scalars():
        net[(posting.account_id, posting.asset)] += posting.amount
    legs = []
    for (account, asset), amount in sorted(net.items()):
        if amount:
            legs += [
                Leg(account, asset, -amount, Bucket.UNSETTLED),
                Leg(account, asset, amount, Bucket.SETTLED),
            ]
    entry = (
        post(
            session,
            cause=Cause.SETTLEMENT,
            legs=legs,
            effective_on=as_of,
            memo=f"T+1 settlement of {len(pending)} entries dated before {as_of}",
        )
        if legs
        else None
    )
    session.add_all(
        SettledEntry(entry_id=e, settlement_id=entry.id if entry else e) for e in pending
    )
    return len(pending)
