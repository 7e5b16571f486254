"""Allocating a final order: all its trades split once over its pre-trade statement with the
columnar allocator, and posted to the ledger (value, shares, charges by component, tax lots)
in the same transaction, as arrays: one query reads the statement with the balances it starts
from, each journal entry's postings go in with one COPY, the lots with another, and a sale's
FIFO consumption is two set-based statements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import numpy.typing as npt
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from allocator import Fill, Side, Trade
from allocator.charges import COMPONENTS
from allocator.checks import positive_paise
from allocator.columnar.fills import ColumnarAllocation, allocate_columnar
from allocator.errors import InvalidInput
from allocator.money import average_price, to_paise
from bridge_api.batches import events
from bridge_api.batches.states import move_order, move_slice
from bridge_api.db.copy import copy_columns, fetch_columns, ints, paise
from bridge_api.db.models import (
    BatchOrder,
    BrokerTrade,
    Bucket,
    Cause,
    LedgerKind,
    OrderSlice,
    OrderStatus,
    SliceStatus,
    Subscription,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict, NotFound
from bridge_api.execution import netting
from bridge_api.execution.tags import ACCOUNT_PREFIX
from bridge_api.ledger import day_charges, dp
from bridge_api.ledger.lots import add_lot_columns, consume_fifo_columns
from bridge_api.ledger.service import (
    HOUSE,
    MARKET,
    LegBlock,
    among,
    charges_account,
    named_account,
    post_blocks,
)
from bridge_api.notifications.events import EventKind, notify


def finalize_order(
    session: Session,
    *,
    order_key: str,
    reason: str,
    trade_date: date,
    charges: Mapping[str, Decimal] | None = None,
) -> ColumnarAllocation | None:
    """Allocate a final order's trades once and post them; None if it was already allocated.

    `charges` (components: at least one, or `InvalidInput`; a "total" beside them is ignored)
    default to what the order's trades add to the day's contract note
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
    if not charges:  # the ledger books charges by component: a bare total has nowhere to go
        raise InvalidInput(
            "charges", f"names no component; give at least one of {', '.join(COMPONENTS)}"
        )
    statement = _statement(session, order)
    result = allocate_columnar(
        order_id=order.key,
        accounts=statement.names,
        requested=statement.requested,
        fill_quantities=np.array([f.quantity for f in fills], dtype=np.int64),
        fill_prices=np.array(
            [positive_paise(f"fills[{i}].price", f.price) for i, f in enumerate(fills)],
            dtype=np.int64,
        ),
        trade_ids=[f.trade_id for f in fills],
        charges={
            name: to_paise(amount, f"charges.{name}")
            for name in COMPONENTS
            if (amount := charges.get(name)) is not None
        },
    )
    # A buy wholly netted as intraday paid no STT; its lots say so.
    stt_paid = side is Side.SELL or bool(charges.get("stt"))
    _book(session, order, side, statement, result, trade_date=trade_date, stt_paid=stt_paid)
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
    _notify_participants(session, order, side, statement, result)
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
    session: Session,
    order: BatchOrder,
    side: Side,
    statement: _Statement,
    result: ColumnarAllocation,
) -> None:
    """Tell each investor who received shares of the order their part (same transaction)."""
    received = result.shares > 0
    if not received.any():
        return
    subscriptions = statement.subscriptions[received].tolist()
    owners: dict[int, int] = dict(
        session.execute(
            select(Subscription.id, Subscription.user_id).where(
                among(Subscription.id, subscriptions)
            )
        ).all()
    )
    per_user: dict[int, int] = defaultdict(int)
    for subscription, shares in zip(subscriptions, result.shares[received].tolist(), strict=True):
        per_user[owners[subscription]] += shares
    notify(
        session,
        EventKind.ORDER_ALLOCATED,
        per_user,
        order=order.key,
        symbol=order.symbol,
        side=str(side),
        filled=result.filled,
        average_price=str(average_price(result.value, result.filled)),
        per_user={str(user): {"shares": shares} for user, shares in per_user.items()},
    )


@dataclass(frozen=True, slots=True)
class _Statement:
    """An order's pre-trade statement in the allocator's order (account names ascending),
    with each subscription's ledger account and the balances the postings start from (cash
    in paise, shares of the order's symbol)."""

    subscriptions: npt.NDArray[np.int64]
    names: npt.NDArray[np.str_]
    requested: npt.NDArray[np.int64]
    accounts: npt.NDArray[np.int64]
    cash_settled: npt.NDArray[np.int64]
    cash_unsettled: npt.NDArray[np.int64]
    shares_settled: npt.NDArray[np.int64]


_NEW_ACCOUNTS = text(
    "INSERT INTO ledger_accounts (kind, name, subscription_id) "
    "SELECT 'subscription', 'subscription:' || subscription_id, subscription_id "
    "FROM order_participants WHERE order_id = :order ON CONFLICT (name) DO NOTHING"
)
_STATEMENT = (
    "SELECT p.subscription_id, p.quantity, a.id, "
    "coalesce(cs.amount * 100, 0)::bigint, coalesce(cu.amount * 100, 0)::bigint, "
    "coalesce(ss.amount, 0)::bigint "
    "FROM order_participants AS p "
    "JOIN ledger_accounts AS a ON a.subscription_id = p.subscription_id "
    "LEFT JOIN balances AS cs ON cs.account_id = a.id AND cs.asset = 'INR' "
    "AND cs.bucket = 'settled' "
    "LEFT JOIN balances AS cu ON cu.account_id = a.id AND cu.asset = 'INR' "
    "AND cu.bucket = 'unsettled' "
    "LEFT JOIN balances AS ss ON ss.account_id = a.id AND ss.asset = %(symbol)s "
    "AND ss.bucket = 'settled' "
    "WHERE p.order_id = %(order)s"
)


def _statement(session: Session, order: BatchOrder) -> _Statement:
    session.execute(_NEW_ACCOUNTS, {"order": order.id})
    rows = fetch_columns(session, _STATEMENT, {"order": order.id, "symbol": order.symbol}, 6)
    subscriptions = rows[:, 0]
    names = np.char.add(ACCOUNT_PREFIX, subscriptions.astype(np.str_))
    ranked = np.argsort(names, kind="stable")
    rows = rows[ranked]
    return _Statement(
        subscriptions=rows[:, 0].copy(),
        names=names[ranked],
        requested=rows[:, 1].copy(),
        accounts=rows[:, 2].copy(),
        cash_settled=rows[:, 3].copy(),
        cash_unsettled=rows[:, 4].copy(),
        shares_settled=rows[:, 5].copy(),
    )


def _book(
    session: Session,
    order: BatchOrder,
    side: Side,
    statement: _Statement,
    result: ColumnarAllocation,
    *,
    trade_date: date,
    stt_paid: bool,
) -> None:
    """Post the order's value and shares, then its charges, then its lots, all as arrays.

    Each participant gives settled first, then unsettled (a sale's proceeds, which the broker
    lets it spend before they settle); the charges entry starts from the cash the first entry
    left. What a participant's cash cannot cover of its charges the house pays.
    """
    market = named_account(session, MARKET, LedgerKind.EXTERNAL)
    symbol = order.symbol
    accounts, shares, values = statement.accounts, result.shares, result.values
    traded = shares > 0
    at_market = np.array([market], dtype=np.int64)
    settled, unsettled = statement.cash_settled, statement.cash_unsettled
    if side is Side.BUY:
        paid_settled = np.minimum(values, np.maximum(settled, 0))
        blocks = [
            LegBlock(CASH, Bucket.SETTLED, at_market, np.array([result.value], dtype=np.int64)),
            LegBlock(symbol, Bucket.UNSETTLED, at_market, np.array([-result.filled])),
            LegBlock(CASH, Bucket.SETTLED, accounts, -paid_settled),
            LegBlock(CASH, Bucket.UNSETTLED, accounts, paid_settled - values),
            LegBlock(symbol, Bucket.UNSETTLED, accounts, shares),
        ]
        settled, unsettled = settled - paid_settled, unsettled - (values - paid_settled)
    else:
        given_settled = np.minimum(shares, np.maximum(statement.shares_settled, 0))
        blocks = [
            LegBlock(CASH, Bucket.UNSETTLED, at_market, np.array([-result.value])),
            LegBlock(symbol, Bucket.SETTLED, at_market, np.array([result.filled])),
            LegBlock(CASH, Bucket.UNSETTLED, accounts, values),
            LegBlock(symbol, Bucket.SETTLED, accounts, -given_settled),
            LegBlock(symbol, Bucket.UNSETTLED, accounts, given_settled - shares),
        ]
        unsettled = unsettled + values
    entry = None
    if result.filled:
        entry = post_blocks(
            session,
            cause=Cause.ORDER_ALLOCATION,
            blocks=blocks,
            effective_on=trade_date,
            batch_id=order.batch_id,
            order_id=order.id,
            memo=f"{order.key}: {result.filled} at {average_price(result.value, result.filled)}",
        )
    paid = _book_charges(
        session,
        order,
        statement,
        result,
        settled=settled,
        unsettled=unsettled,
        trade_date=trade_date,
    )
    stt = np.minimum(result.charges.get("stt", np.zeros_like(paid)), paid)
    copy_columns(
        session,
        "order_allocations",
        {
            "order_id": str(order.id),
            "subscription_id": ints(statement.subscriptions),
            "requested": ints(statement.requested),
            "quantity": ints(shares),
            "value": paise(values),
            "charges": paise(paid),
            "stt": paise(stt),
            "components": _shown(result.charges, shares.size),
        },
        shares.size,
    )
    if entry is None:
        return
    deductible = paid - stt
    if side is Side.BUY:
        add_lot_columns(
            session,
            symbol=symbol,
            acquired_on=trade_date,
            entry_id=entry.id,
            subscriptions=statement.subscriptions[traded],
            quantities=shares[traded],
            costs=(values + deductible)[traded],
            stt_paid=stt_paid,
        )
    else:
        consume_fifo_columns(
            session,
            symbol=symbol,
            subscriptions=statement.subscriptions[traded],
            quantities=shares[traded],
            proceeds=(values - deductible)[traded],
            sold_on=trade_date,
            entry_id=entry.id,
            stt_paid=True,
        )


def _book_charges(
    session: Session,
    order: BatchOrder,
    statement: _Statement,
    result: ColumnarAllocation,
    *,
    settled: npt.NDArray[np.int64],
    unsettled: npt.NDArray[np.int64],
    trade_date: date,
) -> npt.NDArray[np.int64]:
    """Post each participant's charges by component from the cash it holds (`settled` and
    `unsettled` paise after the trade's entry); returns what each paid (the house pays the
    rest)."""
    owed = np.zeros_like(result.values)
    for parts in result.charges.values():
        owed += parts
    available = np.maximum(settled + unsettled, 0)
    covered = owed - np.minimum(owed, available)
    paid: npt.NDArray[np.int64] = owed - covered
    from_settled = np.minimum(paid, np.maximum(settled, 0))
    accounts = statement.accounts
    house = named_account(session, HOUSE, LedgerKind.HOUSE)
    blocks = [
        LegBlock(CASH, Bucket.SETTLED, accounts, -from_settled),
        LegBlock(CASH, Bucket.UNSETTLED, accounts, from_settled - paid),
        LegBlock(CASH, Bucket.SETTLED, np.full_like(accounts, house), -covered),
    ]
    for name in COMPONENTS:
        total = int(result.charges[name].sum()) if name in result.charges else 0
        if total:
            to = np.array([charges_account(session, name)], dtype=np.int64)
            blocks.append(LegBlock(CASH, Bucket.SETTLED, to, np.array([total])))
    if owed.any():
        post_blocks(
            session,
            cause=Cause.CHARGES,
            blocks=blocks,
            effective_on=trade_date,
            batch_id=order.batch_id,
            order_id=order.id,
            memo=f"charges of {order.key}",
        )
    return paid


def _shown(charges: Mapping[str, npt.NDArray[np.int64]], size: int) -> list[str] | str:
    """Each participant's nonzero charge components as JSON of decimal strings."""
    columns = [
        [f'"{name}": "{p // 100}.{p % 100:02d}"' if p else "" for p in parts.tolist()]
        for name, parts in charges.items()
    ]
    if not columns:
        return "{}"
    rows = zip(*columns, strict=True)
    return ["{" + ", ".join(part for part in row if part) + "}" for row in rows]
