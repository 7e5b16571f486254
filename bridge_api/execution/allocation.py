"""Allocating a final order: all its trades split once over its pre-trade statement with the
allocator, and posted to the ledger (value, shares, charges by component, tax lots) in the
same transaction."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from allocator import (
    Charges,
    Fill,
    OrderAllocation,
    Participant,
    Side,
    Trade,
    allocate,
)
from allocator.charges import COMPONENTS
from bridge_api.batches import events
from bridge_api.batches.states import move_order, move_slice
from bridge_api.db.copy import copy_rows
from bridge_api.db.models import (
    BatchOrder,
    BrokerTrade,
    Bucket,
    Cause,
    LedgerKind,
    OrderParticipant,
    OrderSlice,
    OrderStatus,
    SliceStatus,
    Subscription,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict, NotFound
from bridge_api.execution import netting
from bridge_api.execution.tags import account_name, subscription_of
from bridge_api.ledger import day_charges, dp
from bridge_api.ledger.lots import Sale, add_lots, consume_fifo_many
from bridge_api.ledger.service import (
    HOUSE,
    MARKET,
    Leg,
    balances_of,
    charges_account,
    named_account,
    post,
    subscription_accounts,
    take_out,
)
from bridge_api.notifications.events import EventKind, notify


def finalize_order(
    session: Session,
    *,
    order_key: str,
    reason: str,
    trade_date: date,
    charges: Mapping[str, Decimal] | None = None,
) -> OrderAllocation | None:
    """Allocate a final order's trades once and post them; None if it was already allocated.

    `charges` (components) default to what the order's trades add to the day's contract note
    (`ledger.day_charges`), the DP charge only if no earlier sale of the scrip that day
    carried it (`ledger.dp`), and STT, stamp and DP as the exchange nets the day when the
    other side traded earlier that day (`netting`). A participant whose cash cannot cover its
    share of the charges pays what it has; the house account pays the rest (a rounding
    residue, visible in the journal).
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
        charges = day_charges.added_by(
            session,
            trade_date,
            [
                Trade(symbol=order.symbol, side=side, quantity=f.quantity, price=f.price)
                for f in fills
            ],
            excluding_order=order.id,
        )
        earlier = netting.earlier_today(session, order.symbol, trade_date, excluding=order.id)
        if fills and any(t.side is not side for t in earlier):
            charges |= netting.own_charges(
                session,
                order,
                side,
                quantity=sum(f.quantity for f in fills),
                value=sum(int(f.price * 100) * f.quantity for f in fills),
                trade_date=trade_date,
                earlier=earlier,
            )
        else:
            dp.once_a_day(
                session, charges, day=trade_date, symbol=order.symbol, charged_with=order.key
            )
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
    # A buy wholly netted as intraday paid no STT; its lots say so.
    stt_paid = side is Side.SELL or bool(charges.get("stt"))
    _post_allocation(session, order, side, result, trade_date, stt_paid=stt_paid)
    move_order(order, OrderStatus.FINAL)
    order.final_reason, order.allocated_at = reason, datetime.now(UTC)
    for piece in session.execute(
        select(OrderSlice).where(
            OrderSlice.order_id == order.id, OrderSlice.status != SliceStatus.REJECTED
        )
    ).scalars():
        # A rejected slice stays so (its tag is not trading); one never sent cannot fill any
        # more and is rejected; one whose placement is unresolved refuses the allocation.
        if piece.status is SliceStatus.PLANNED:
            move_slice(piece, SliceStatus.REJECTED)
            piece.message = "never sent: its order was allocated first"
        else:
            move_slice(piece, SliceStatus.FINAL)
    _notify_participants(session, order, side, result)
    events.publish(
        session,
        order.batch_id,
        "order",
        order=order.key,
        symbol=order.symbol,
        side=order.side,
        quantity=order.quantity,
        filled=result.filled,
        reason=reason,
    )
    return result


def _notify_participants(
    session: Session, order: BatchOrder, side: Side, result: OrderAllocation
) -> None:
    """Tell each investor who received shares of the order their part (same transaction)."""
    per_user: dict[int, int] = defaultdict(int)
    owners: dict[int, int] = dict(
        session.execute(
            select(Subscription.id, Subscription.user_id).where(
                Subscription.id.in_([subscription_of(a.account) for a in result.allocations])
            )
        ).all()
    )
    for allocation in result.allocations:
        if allocation.quantity:
            per_user[owners[subscription_of(allocation.account)]] += allocation.quantity
    if per_user:
        notify(
            session,
            EventKind.ORDER_ALLOCATED,
            per_user,
            order=order.key,
            symbol=order.symbol,
            side=str(side),
            filled=result.filled,
            average_price=str(result.average_price),
            per_user={str(user): {"shares": shares} for user, shares in per_user.items()},
        )


def _post_allocation(
    session: Session,
    order: BatchOrder,
    side: Side,
    result: OrderAllocation,
    trade_date: date,
    *,
    stt_paid: bool,
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
        parts = _components(a.charges)
        stt = min(parts.get("stt", Decimal(0)), total)
        shown = json.dumps({name: str(amount) for name, amount in parts.items() if amount})
        records.append(
            (order.id, sid, a.quantity + a.unfilled, a.quantity, a.value, total, stt, shown)
        )
        if a.quantity:
            deductible = total - stt
            if side is Side.BUY:
                lots.append((sid, a.quantity, a.value + deductible))
            else:
                sales.append(Sale(sid, a.quantity, a.value - deductible))
    copy_rows(
        session,
        "order_allocations",
        (
            "order_id",
            "subscription_id",
            "requested",
            "quantity",
            "value",
            "charges",
            "stt",
            "components",
        ),
        records,
    )
    if entry is not None:
        add_lots(
            session,
            symbol=symbol,
            acquired_on=trade_date,
            entry_id=entry.id,
            lots=lots,
            stt_paid=stt_paid,
        )
        if sales:
            consume_fifo_many(
                session,
                symbol=symbol,
                sales=sales,
                sold_on=trade_date,
                entry_id=entry.id,
                stt_paid=True,
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
