"""FIFO tax lots per subscription and symbol, for realised gains as Indian tax reports them.

A lot's cost is what the shares cost including charges, except STT (not deductible for
capital gains on listed equity); a sale's proceeds are net of its charges except STT. Lots
are consumed first in, first out; each consumption carries its share of the lot's cost and of
the sale's proceeds, to the paisa, and is itself an append-only record.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from allocator.apportion import split
from bridge_api.db.models import LotConsumption, TaxLot
from bridge_api.errors import Conflict

_PAISA = Decimal("0.01")


def add_lot(
    session: Session,
    *,
    subscription_id: int,
    symbol: str,
    acquired_on: date,
    quantity: int,
    cost: Decimal,
    entry_id: int,
) -> TaxLot:
    """Record shares acquired (a buy, a crossing, or a bonus/split adjustment)."""
    lot = TaxLot(
        subscription_id=subscription_id,
        symbol=symbol,
        acquired_on=acquired_on,
        quantity=quantity,
        cost=cost,
        open_quantity=quantity,
        open_cost=cost,
        entry_id=entry_id,
    )
    session.add(lot)
    return lot


def consume_fifo(
    session: Session,
    *,
    subscription_id: int,
    symbol: str,
    quantity: int,
    proceeds: Decimal,
    sold_on: date,
    entry_id: int,
) -> list[LotConsumption]:
    """Take `quantity` shares out of the oldest open lots, splitting `proceeds` across them."""
    lots = session.execute(
        select(TaxLot)
        .where(
            TaxLot.subscription_id == subscription_id,
            TaxLot.symbol == symbol,
            TaxLot.open_quantity > 0,
        )
        .order_by(TaxLot.acquired_on, TaxLot.id)
        .with_for_update()
    ).scalars()
    taken: list[tuple[TaxLot, int, Decimal]] = []
    left = quantity
    for lot in lots:
        if left == 0:
            break
        take = min(left, lot.open_quantity)
        if take == lot.open_quantity:
            cost = lot.open_cost
        else:
            cost = (lot.open_cost * take / lot.open_quantity).quantize(
                _PAISA, rounding=ROUND_HALF_EVEN
            )
        lot.open_quantity -= take
        lot.open_cost -= cost
        taken.append((lot, take, cost))
        left -= take
    if left:
        raise Conflict(
            f"subscription {subscription_id} has {quantity - left} {symbol} in its lots, "
            f"sells {quantity}"
        )
    shares = [take for _, take, _ in taken]
    parts = split(
        int(proceeds * 100), shares, [str(lot.id) for lot, _, _ in taken], f"lots:{entry_id}"
    )
    consumptions = [
        LotConsumption(
            lot_id=lot.id,
            entry_id=entry_id,
            sold_on=sold_on,
            quantity=take,
            cost=cost,
            proceeds=Decimal(part).scaleb(-2),
        )
        for (lot, take, cost), part in zip(taken, parts, strict=True)
    ]
    session.add_all(consumptions)
    return consumptions
