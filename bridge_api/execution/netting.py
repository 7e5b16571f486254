"""Same-day opposite orders in one symbol, where the operator allowed them: the exchange nets
a scrip's buys and sells of one day in one account as intraday (STT 0.025 % on the sell side
only, stamp 0.003 % on the buy side, no DP for what never left the demat), so the books charge
what the contract note will.

Orders are allocated one by one, so when an order of a scrip is allocated after an order of
the other side the same day, the day's STT, stamp and DP are worked out again for the whole
scrip-day (`allocator.netted_charges`) and each side is brought to its share:

- this order's participants pay what their side still owes;
- the earlier orders' participants get back what their side was charged beyond its share,
  pro rata to what they paid (STT by each one's STT, stamp and DP by value), with their lots
  kept true: a stamp refund lowers the cost of the lot it was in, a DP refund raises the sale's
  proceeds (an adjustment line of quantity 0 on the lot it sold from);
- what a side would owe beyond what it paid (rare: rounding) is paid by the house.

Exchange charges, SEBI fee and GST follow turnover either way and are not touched.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from allocator import ScripDay, Side, netted_charges
from allocator.apportion import split
from allocator.charges import SIDE_COMPONENTS
from bridge_api.db.models import (
    Batch,
    BatchOrder,
    BrokerTrade,
    Bucket,
    Cause,
    JournalEntry,
    LedgerAccount,
    LedgerKind,
    LotConsumption,
    OrderAllocation,
    OrderStatus,
    Posting,
    TaxLot,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.ledger.dp import charge_dp_here
from bridge_api.ledger.service import (
    CHARGES_PREFIX,
    HOUSE,
    Leg,
    charges_account,
    named_account,
    post,
    subscription_accounts,
)


@dataclass(frozen=True, slots=True)
class Traded:
    """An order of the scrip allocated earlier the same day."""

    order_id: int
    batch_id: int
    side: Side
    quantity: int
    value: int
    """Paise."""


def earlier_today(
    session: Session, symbol: str, trade_date: date, *, excluding: int
) -> list[Traded]:
    """The scrip's orders already allocated on `trade_date` that filled, in any batch."""
    rows = session.execute(
        select(
            BatchOrder.id,
            BatchOrder.batch_id,
            BatchOrder.side,
            func.sum(BrokerTrade.quantity),
            func.sum(BrokerTrade.quantity * BrokerTrade.price),
        )
        .join(Batch, Batch.id == BatchOrder.batch_id)
        .join(BrokerTrade, BrokerTrade.order_id == BatchOrder.id)
        .where(
            Batch.trade_date == trade_date,
            BatchOrder.symbol == symbol,
            BatchOrder.status == OrderStatus.FINAL,
            BatchOrder.id != excluding,
        )
        .group_by(BatchOrder.id, BatchOrder.batch_id, BatchOrder.side)
        .order_by(BatchOrder.id)
    ).all()
    return [
        Traded(order_id, batch_id, Side(side), int(quantity), int(value * 100))
        for order_id, batch_id, side, quantity, value in rows
    ]


def own_charges(
    session: Session,
    order: BatchOrder,
    side: Side,
    *,
    quantity: int,
    value: int,
    trade_date: date,
    earlier: list[Traded],
) -> dict[str, Decimal]:
    """This order's STT, stamp and DP once the day is netted (rupees), after settling the
    earlier orders' side of it (refunds, or the house paying)."""
    scrip = _scrip_day([*earlier, Traded(order.id, order.batch_id, side, quantity, value)])
    target = netted_charges(trade_date, scrip)
    own: dict[str, Decimal] = {}
    for each in (Side.BUY, Side.SELL):
        ids = [t.order_id for t in earlier if t.side is each]
        booked = _booked(session, ids)
        for name in SIDE_COMPONENTS:
            delta = target[each][name] - booked.get(name, 0)
            if each is side:
                own[name] = Decimal(max(delta, 0)).scaleb(-2)
                delta = min(delta, 0)
            if delta < 0:
                _refund(session, order, name, -delta, order_ids=ids, trade_date=trade_date)
            elif delta > 0:
                _house_pays(session, order, name, delta, trade_date)
        if each is Side.BUY and ids and not target[each]["stt"]:
            _no_stt_on(session, ids)  # all intraday: the buys' lots paid no STT after all
    if own["dp"]:
        charge_dp_here(session, day=trade_date, symbol=order.symbol, charged_with=order.key)
    return own


def _scrip_day(trades: list[Traded]) -> ScripDay:
    buys = [t for t in trades if t.side is Side.BUY]
    sells = [t for t in trades if t.side is Side.SELL]
    return ScripDay(
        bought=sum(t.quantity for t in buys),
        bought_value=sum(t.value for t in buys),
        sold=sum(t.quantity for t in sells),
        sold_value=sum(t.value for t in sells),
    )


def _booked(session: Session, order_ids: list[int]) -> dict[str, int]:
    """Paise of each netting component the orders' charges entries (refunds included) posted."""
    if not order_ids:
        return {}
    names = [f"{CHARGES_PREFIX}{name}" for name in SIDE_COMPONENTS]
    rows = session.execute(
        select(LedgerAccount.name, func.sum(Posting.amount))
        .join(Posting, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            JournalEntry.cause == Cause.CHARGES,
            JournalEntry.order_id.in_(order_ids),
            LedgerAccount.name.in_(names),
        )
        .group_by(LedgerAccount.name)
    ).all()
    return {name.removeprefix(CHARGES_PREFIX): int(amount * 100) for name, amount in rows}


def _refund(
    session: Session,
    order: BatchOrder,
    name: str,
    paise: int,
    *,
    order_ids: list[int],
    trade_date: date,
) -> None:
    """Give `paise` of component `name` back to the participants of `order_ids`, pro rata to
    what they paid of it (STT) or to their value (stamp, DP); one entry per earlier order."""
    rows = session.execute(
        select(
            OrderAllocation.order_id,
            OrderAllocation.subscription_id,
            OrderAllocation.value,
            OrderAllocation.stt,
        )
        .where(OrderAllocation.order_id.in_(order_ids), OrderAllocation.quantity > 0)
        .order_by(OrderAllocation.order_id, OrderAllocation.subscription_id)
    ).all()
    weights = [int((stt if name == "stt" else value) * 100) for _, _, value, stt in rows]
    if not rows or not sum(weights):
        _house_pays(session, order, name, -paise, trade_date)
        return
    parts = split(
        paise, weights, [f"{o}:{s}" for o, s, _, _ in rows], f"netting:{order.key}:{name}"
    )
    accounts = subscription_accounts(session, [s for _, s, _, _ in rows])
    per_order: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for (order_id, sid, _, _), part in zip(rows, parts, strict=True):
        if part:
            per_order[order_id].append((sid, Decimal(part).scaleb(-2)))
    batches = dict(
        session.execute(
            select(BatchOrder.id, BatchOrder.batch_id).where(BatchOrder.id.in_(list(per_order)))
        ).all()
    )
    component = charges_account(session, name)
    for order_id, shares in per_order.items():
        entry = post(
            session,
            cause=Cause.CHARGES,
            legs=[
                Leg(component, CASH, -sum((a for _, a in shares), Decimal(0))),
                *(Leg(accounts[sid], CASH, amount, Bucket.UNSETTLED) for sid, amount in shares),
            ],
            effective_on=trade_date,
            batch_id=batches[order_id],
            order_id=order_id,
            memo=f"{name} refunded: netted as intraday with {order.key}",
        )
        if name == "stamp":
            _lower_lot_costs(session, order_id, shares)
        elif name == "dp":
            _raise_proceeds(session, order_id, shares, entry.id, trade_date)


def _house_pays(
    session: Session, order: BatchOrder, name: str, paise: int, trade_date: date
) -> None:
    """The house pays (or, negative, gets back) `paise` of component `name`."""
    amount = Decimal(paise).scaleb(-2)
    post(
        session,
        cause=Cause.CHARGES,
        legs=[
            Leg(named_account(session, HOUSE, LedgerKind.HOUSE), CASH, -amount),
            Leg(charges_account(session, name), CASH, amount),
        ],
        effective_on=trade_date,
        batch_id=order.batch_id,
        order_id=order.id,
        memo=f"{name} of netting the day's {order.symbol} with {order.key}, paid by the house",
    )


def _allocation_entry(session: Session, order_id: int) -> int:
    return session.execute(
        select(JournalEntry.id).where(
            JournalEntry.order_id == order_id, JournalEntry.cause == Cause.ORDER_ALLOCATION
        )
    ).scalar_one()


def _no_stt_on(session: Session, order_ids: list[int]) -> None:
    entries = session.execute(
        select(JournalEntry.id).where(
            JournalEntry.order_id.in_(order_ids), JournalEntry.cause == Cause.ORDER_ALLOCATION
        )
    ).scalars()
    session.execute(update(TaxLot).where(TaxLot.entry_id.in_(list(entries))).values(stt_paid=False))


def _lower_lot_costs(session: Session, order_id: int, shares: list[tuple[int, Decimal]]) -> None:
    """A buy's stamp refund comes off the cost of the lot it was charged in."""
    entry_id = _allocation_entry(session, order_id)
    for sid, amount in shares:
        session.execute(
            update(TaxLot)
            .where(TaxLot.entry_id == entry_id, TaxLot.subscription_id == sid)
            .values(cost=TaxLot.cost - amount, open_cost=TaxLot.open_cost - amount)
        )


def _raise_proceeds(
    session: Session,
    order_id: int,
    shares: list[tuple[int, Decimal]],
    refund_entry: int,
    trade_date: date,
) -> None:
    """A sale's DP refund adds to its proceeds: an adjustment line of quantity 0 on the last
    lot the sale took from (consumptions are append-only)."""
    entry_id = _allocation_entry(session, order_id)
    for sid, amount in shares:
        lot_id, stt_paid = session.execute(
            select(LotConsumption.lot_id, LotConsumption.stt_paid)
            .join(TaxLot, TaxLot.id == LotConsumption.lot_id)
            .where(LotConsumption.entry_id == entry_id, TaxLot.subscription_id == sid)
            .order_by(LotConsumption.id.desc())
            .limit(1)
        ).one()
        session.add(
            LotConsumption(
                lot_id=lot_id,
                entry_id=refund_entry,
                sold_on=trade_date,
                quantity=0,
                cost=Decimal("0.00"),
                proceeds=amount,
                stt_paid=stt_paid,
            )
        )
    session.flush()
