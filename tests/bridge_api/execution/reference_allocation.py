"""The allocation path as it was before it went columnar (per-leg objects, the scalar
allocator, FIFO in Python), kept only as the oracle the columnar path must book exactly like.

`seed_entry` replaces the sale's entry id in the seed of the FIFO proceeds split: the two
paths run one after the other, so their entries get different ids, and the oracle is seeded
with the id the columnar path's entry had.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from allocator import Charges, Fill, OrderAllocation, Participant, Side, allocate
from allocator.apportion import split
from allocator.charges import COMPONENTS
from allocator.constants import PAISA
from bridge_api.db.copy import copy_rows
from bridge_api.db.models import (
    BatchOrder,
    BrokerTrade,
    Bucket,
    Cause,
    LedgerKind,
    LotConsumption,
    OrderParticipant,
    TaxLot,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict
from bridge_api.execution.tags import account_name, subscription_of
from bridge_api.ledger.lots import Sale, add_lots
from bridge_api.ledger.service import (
    HOUSE,
    MARKET,
    Leg,
    among,
    balances_of,
    charges_account,
    named_account,
    post,
    subscription_accounts,
    take_out,
)


def reference_finalize(
    session: Session,
    *,
    order_key: str,
    trade_date: date,
    charges: Mapping[str, Decimal],
    seed_entry: int,
) -> OrderAllocation:
    """The old `finalize_order` from its given `charges` on, without the order's and slices'
    state changes."""
    order = session.execute(select(BatchOrder).where(BatchOrder.key == order_key)).scalar_one()
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
    charges = {name: amount for name, amount in charges.items() if name in COMPONENTS}
    result = allocate(
        order_id=order.key,
        participants=[
            Participant(account=account_name(sid), quantity=quantity) for sid, quantity in statement
        ],
        fills=fills,
        charges=dict(charges),
    )
    stt_paid = side is Side.SELL or bool(charges.get("stt"))
    _post_allocation(
        session, order, side, result, trade_date, stt_paid=stt_paid, seed_entry=seed_entry
    )
    return result


def _post_allocation(
    session: Session,
    order: BatchOrder,
    side: Side,
    result: OrderAllocation,
    trade_date: date,
    *,
    stt_paid: bool,
    seed_entry: int,
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
            _consume_fifo_many(
                session,
                seed_entry=seed_entry,
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


def _consume_fifo_many(
    session: Session,
    *,
    symbol: str,
    sales: Sequence[Sale],
    sold_on: date,
    entry_id: int,
    stt_paid: bool,
    seed_entry: int,
) -> list[LotConsumption]:
    """Consume lots for many sales of one symbol at once (one locked read, one bulk update);
    `stt_paid` for an exchange trade, not for a crossing."""
    by_subscription: dict[int, list[TaxLot]] = defaultdict(list)
    wanted = sorted({sale.subscription_id for sale in sales})
    if wanted:
        rows = session.execute(
            select(TaxLot)
            .where(
                among(TaxLot.subscription_id, wanted),
                TaxLot.symbol == symbol,
                TaxLot.open_quantity > 0,
            )
            .order_by(TaxLot.subscription_id, TaxLot.acquired_on, TaxLot.id)
            .with_for_update()
        ).scalars()
        for lot in rows:
            by_subscription[lot.subscription_id].append(lot)
    consumptions: list[LotConsumption] = []
    updates: list[dict[str, object]] = []
    for sale in sales:
        taken: list[tuple[TaxLot, int, Decimal]] = []
        left = sale.quantity
        for lot in by_subscription[sale.subscription_id]:
            if left == 0:
                break
            take = min(left, lot.open_quantity)
            if take == lot.open_quantity:
                cost = lot.open_cost
            else:
                cost = (lot.open_cost * take / lot.open_quantity).quantize(
                    PAISA, rounding=ROUND_HALF_EVEN
                )
            taken.append((lot, take, cost))
            left -= take
        if left:
            held = sale.quantity - left
            raise Conflict(
                f"subscription {sale.subscription_id} has {held} {symbol} in its lots, "
                f"sells {sale.quantity}"
            )
        parts = split(
            int(sale.proceeds * 100),
            [t for _, t, _ in taken],
            [str(lot.id) for lot, _, _ in taken],
            f"lots:{seed_entry}",
        )
        for (lot, take, cost), part in zip(taken, parts, strict=True):
            consumptions.append(
                LotConsumption(
                    lot_id=lot.id,
                    entry_id=entry_id,
                    sold_on=sold_on,
                    quantity=take,
                    cost=cost,
                    proceeds=Decimal(part).scaleb(-2),
                    stt_paid=stt_paid,
                )
            )
            updates.append(
                {"lot": lot.id, "quantity": lot.open_quantity - take, "cost": lot.open_cost - cost}
            )
    _update_open(session, updates)
    for lots in by_subscription.values():
        for lot in lots:
            session.expire(lot)  # updated in bulk above; reload on next access
    copy_rows(
        session,
        "lot_consumptions",
        ("lot_id", "entry_id", "sold_on", "quantity", "cost", "proceeds", "stt_paid"),
        (
            (c.lot_id, entry_id, sold_on, c.quantity, c.cost, c.proceeds, stt_paid)
            for c in consumptions
        ),
    )
    return consumptions


def _update_open(session: Session, updates: Sequence[dict[str, object]]) -> None:
    """Set many lots' open quantity and cost in one statement (lots are derived state; the
    consumptions that explain each change are append-only)."""
    if updates:
        session.execute(
            _UPDATE_OPEN,
            {
                "lots": [u["lot"] for u in updates],
                "quantities": [u["quantity"] for u in updates],
                "costs": [u["cost"] for u in updates],
            },
        )


_UPDATE_OPEN = text(
    "UPDATE tax_lots SET open_quantity = u.q, open_cost = u.c FROM unnest("
    "CAST(:lots AS bigint[]), CAST(:quantities AS bigint[]), CAST(:costs AS numeric[])"
    ") AS u(l, q, c) WHERE tax_lots.id = u.l"
)
