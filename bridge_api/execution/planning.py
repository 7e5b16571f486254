"""Planning a batch: claim it, build the allocator's input from its allocation table and each
subscription's own cash, and record one phase of the plan (crossings, orders, pre-trade
statements, slices with their client tags, skips) before anything of it is sent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from allocator import Account, Limits, Plan, PlanRequest, Side, plan
from allocator.apportion import split
from allocator.columnar.planning import book_from_request, plan_columnar, to_plan
from allocator.constants import CHARGES_RESERVE, DEFAULT_COLLAR, PAISA
from allocator.errors import InvalidInput
from bridge_api.batches import events
from bridge_api.batches.states import move_batch
from bridge_api.db.copy import copy_rows
from bridge_api.db.models import (
    Batch,
    BatchCrossing,
    BatchOrder,
    BatchState,
    BatchTarget,
    BrokerTrade,
    Bucket,
    Cause,
    Instrument,
    JournalEntry,
    OrderSlice,
    Posting,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict
from bridge_api.execution.tags import account_name, client_tag, subscription_of
from bridge_api.ledger.lots import Sale, add_lots, consume_fifo_many
from bridge_api.ledger.service import (
    Leg,
    balances_of,
    books_of,
    post,
    subscription_accounts,
    take_out,
)

ZERO = Decimal("0.00")


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
        move_batch(batch, BatchState.EXECUTING)
        events.publish(session, batch.id, "state", state=str(batch.state), phase=batch.phase)
    return batch


def plan_request(
    session: Session,
    batch: Batch,
    *,
    limits: Limits | None = None,
    collar: Decimal = DEFAULT_COLLAR,
    buy_charges_rate: Decimal = CHARGES_RESERVE,
    min_trade_value: Decimal = Decimal("0.00"),
    prices: Mapping[str, Decimal] | None = None,
    buys_only: bool = False,
    exclude: Collection[str] = (),
    crossing: bool = True,
) -> PlanRequest:
    """The allocator's input for a batch: its allocation table, each subscription's own cash,
    and per-symbol order caps from the instrument list.

    `prices` replace the allocation table's (fresh quotes at execution); symbols in `exclude`
    (no quote: suspended, renamed, delisted) are left out; `crossing` False plans even a
    crossing batch without internal crossing (real money not cleared for it). With
    `buys_only` (phase 2), holdings are the ledger's after the sells, no target is below a
    holding, and nothing is crossed: what remains is each subscription's buys, funded by its
    own cash including what its sells raised today, except the proceeds of shares sold while
    still T1 (bought the session before), which the broker credits only the next day.
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
        if symbol in exclude:
            continue
        held, wanted = positions[sid]
        held[symbol], wanted[symbol] = holding, target
        reference[symbol] = price
    if prices is not None:
        reference.update({s: p for s, p in prices.items() if s in reference})
    accounts = subscription_accounts(session, positions)
    books = books_of(session, accounts.values())
    blocked = t1_sale_proceeds(session, batch.id) if buys_only else {}
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
            account=account_name(sid),
            holdings=held,
            targets=wanted,
            cash=max(books[accounts[sid]].cash - blocked.get(accounts[sid], ZERO), ZERO),
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
        cross=batch.cross and crossing and not buys_only,
    )


def plan_batch(request: PlanRequest) -> Plan:
    """`allocator.plan` of a batch, computed by the columnar planner (the same plan: see
    ``tests/allocator/columnar/test_planning.py``); a request whose values leave the columnar
    path's int64 range is planned by the scalar planner."""
    try:
        columnar = book_from_request(request)
        return to_plan(columnar, plan_columnar(columnar))
    except InvalidInput:
        return plan(request)


def t1_sale_proceeds(session: Session, batch_id: int) -> dict[int, Decimal]:
    """Per subscription account, what the batch's sells raised from shares that were still T1
    (the unsettled part of each sale, pro rata, rounded up to the paisa): the broker credits
    the sale of T1 shares a day later (Zerodha: "t1-holdings-proceeds")."""
    shares = Posting.asset != CASH
    rows = session.execute(
        select(
            Posting.account_id,
            func.sum(Posting.amount).filter(shares, Posting.bucket == Bucket.UNSETTLED),
            func.sum(Posting.amount).filter(shares),
            func.sum(Posting.amount).filter(Posting.asset == CASH),
        )
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(BatchOrder, BatchOrder.id == JournalEntry.order_id)
        .where(
            JournalEntry.batch_id == batch_id,
            JournalEntry.cause == Cause.ORDER_ALLOCATION,
            BatchOrder.side == str(Side.SELL),
        )
        .group_by(Posting.entry_id, Posting.account_id)
    ).all()
    blocked: dict[int, Decimal] = defaultdict(Decimal)
    for account, t1, sold, raised in rows:
        if t1 and sold and raised and raised > 0:
            share = (raised * t1 / sold).quantize(PAISA, ROUND_CEILING)
            blocked[account] += min(share, raised)
    return dict(blocked)


def skip_symbols(
    session: Session, batch: Batch, symbols: Collection[str], *, side: Side, reason: str
) -> int:
    """Skip, with `reason` (`NO_QUOTE`, `DEFERRED`), every participant's trade of `side` in
    `symbols`; returns how many were skipped."""
    if not symbols:
        return 0
    rows = session.execute(
        select(
            BatchTarget.subscription_id,
            BatchTarget.symbol,
            BatchTarget.holding,
            BatchTarget.target,
        )
        .where(BatchTarget.batch_id == batch.id, BatchTarget.symbol.in_(symbols))
        .order_by(BatchTarget.subscription_id, BatchTarget.symbol)
    ).all()
    skipped = [
        (batch.id, sid, symbol, str(side), abs(target - holding), reason)
        for sid, symbol, holding, target in rows
        if (target < holding if side is Side.SELL else target > holding)
    ]
    return copy_rows(
        session,
        "batch_skips",
        ("batch_id", "subscription_id", "symbol", "side", "quantity", "reason"),
        skipped,
    )


def traded_today(
    session: Session, symbols: Collection[str], *, side: Side, trade_date: date
) -> set[str]:
    """Of `symbols`, those with a fill on `side` on `trade_date` in any batch: an order on the
    other side would be netted with it by the exchange as intraday."""
    if not symbols:
        return set()
    return set(
        session.execute(
            select(BatchOrder.symbol)
            .join(Batch, Batch.id == BatchOrder.batch_id)
            .where(
                Batch.trade_date == trade_date,
                BatchOrder.side == str(side),
                BatchOrder.symbol.in_(symbols),
                select(BrokerTrade.id).where(BrokerTrade.order_id == BatchOrder.id).exists(),
            )
            .distinct()
        ).scalars()
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
    events.publish(
        session,
        batch.id,
        "phase",
        phase=phase,
        orders=len(orders),
        crossings=len(plan.crossings) if phase == 1 else 0,
    )
    return orders


def _book_crossings(session: Session, batch: Batch, plan: Plan, trade_date: date) -> None:
    """One journal entry per crossed symbol: shares and cash change hands at the reference
    price; buyers open lots, sellers consume theirs (all in bulk).

    Buckets stay true: each side gives settled first, then unsettled, and what the other side
    receives is settled and unsettled in the same totals, split pro rata (shares among the
    buyers by quantity, cash among the sellers by value; largest remainder, seed
    ``b<batch>:<symbol>``). With settlement at the start of the day this is almost always all
    settled."""
    by_symbol: dict[str, list[tuple[int, Side, int, Decimal]]] = defaultdict(list)
    for c in plan.crossings:
        by_symbol[c.symbol].append((subscription_of(c.account), c.side, c.quantity, c.price))
    accounts = subscription_accounts(session, [subscription_of(c.account) for c in plan.crossings])
    for symbol, crossed in sorted(by_symbol.items()):
        buyers = [(sid, q, p) for sid, side, q, p in crossed if side is Side.BUY]
        sellers = [(sid, q, p) for sid, side, q, p in crossed if side is Side.SELL]
        cash = balances_of(session, [accounts[sid] for sid, _, _ in buyers], CASH)
        shares = balances_of(session, [accounts[sid] for sid, _, _ in sellers], symbol)
        paid = [
            take_out(accounts[sid], CASH, p * q, cash[accounts[sid]][Bucket.SETTLED])
            for sid, q, p in buyers
        ]
        given = [
            take_out(accounts[sid], symbol, Decimal(q), shares[accounts[sid]][Bucket.SETTLED])
            for sid, q, _ in sellers
        ]
        seed = f"{batch.id}:{symbol}"
        legs = [leg for out in (*paid, *given) for leg in out]
        legs += _receive(
            [accounts[sid] for sid, _, _ in sellers],
            [int(p * q * 100) for _, q, p in sellers],
            unsettled=_unsettled(paid) * 100,
            asset=CASH,
            seed=seed,
            unit=PAISA,
        )
        legs += _receive(
            [accounts[sid] for sid, _, _ in buyers],
            [q for _, q, _ in buyers],
            unsettled=_unsettled(given),
            asset=symbol,
            seed=seed,
            unit=Decimal(1),
        )
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
        # No exchange trade, so no STT on either side (the lots say so).
        add_lots(
            session,
            symbol=symbol,
            acquired_on=trade_date,
            entry_id=entry.id,
            lots=bought,
            stt_paid=False,
        )
        consume_fifo_many(
            session,
            symbol=symbol,
            sales=sold,
            sold_on=trade_date,
            entry_id=entry.id,
            stt_paid=False,
        )


def _unsettled(legs: list[list[Leg]]) -> Decimal:
    """How much of what left came out of unsettled buckets."""
    return -sum((leg.amount for out in legs for leg in out if leg.bucket is Bucket.UNSETTLED), ZERO)


def _receive(
    accounts: list[int],
    amounts: list[int],
    *,
    unsettled: Decimal,
    asset: str,
    seed: str,
    unit: Decimal,
) -> list[Leg]:
    """Legs giving each account its amount (in whole `unit`s), `unsettled` of the total in the
    unsettled bucket, split pro rata by largest remainder."""
    keys = [str(a) for a in accounts]
    late = split(int(unsettled), amounts, keys, seed) if unsettled else [0] * len(amounts)
    legs = []
    for account, amount, part in zip(accounts, amounts, late, strict=True):
        if amount - part:
            legs.append(Leg(account, asset, Decimal(amount - part) * unit, Bucket.SETTLED))
        if part:
            legs.append(Leg(account, asset, Decimal(part) * unit, Bucket.UNSETTLED))
    return legs
