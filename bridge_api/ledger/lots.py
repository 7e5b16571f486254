"""FIFO tax lots per subscription and symbol, for realised gains as Indian tax reports them
(the convention, and why per subscription: "Tax lots" in docs/ledger.md).

A lot's cost is what the shares cost including charges, except STT (not deductible for
capital gains on listed equity); a sale's proceeds are net of its charges except STT. Lots
are consumed first in, first out; each consumption carries its share of the lot's cost and of
the sale's proceeds, to the paisa, and is itself an append-only record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from allocator.apportion import split
from allocator.constants import PAISA
from bridge_api.db.copy import copy_rows
from bridge_api.db.models import LotConsumption, TaxLot
from bridge_api.errors import Conflict
from bridge_api.ledger.service import among


def add_lot(
    session: Session,
    *,
    subscription_id: int,
    symbol: str,
    acquired_on: date,
    quantity: int,
    cost: Decimal,
    entry_id: int,
    stt_paid: bool,
) -> None:
    """Record shares acquired (a buy, a crossing, or a bonus/split adjustment)."""
    add_lots(
        session,
        symbol=symbol,
        acquired_on=acquired_on,
        entry_id=entry_id,
        lots=[(subscription_id, quantity, cost)],
        stt_paid=stt_paid,
    )


@dataclass(frozen=True, slots=True)
class Sale:
    """Shares of one symbol a subscription sold, and what they fetched net of deductible charges."""

    subscription_id: int
    quantity: int
    proceeds: Decimal


def add_lots(
    session: Session,
    *,
    symbol: str,
    acquired_on: date,
    entry_id: int,
    lots: Sequence[tuple[int, int, Decimal]],
    stt_paid: bool,
) -> None:
    """Many acquisitions of one symbol at once: (subscription id, quantity, cost) each;
    `stt_paid` for an exchange trade, not for a crossing."""
    copy_rows(
        session,
        "tax_lots",
        (
            "subscription_id",
            "symbol",
            "acquired_on",
            "quantity",
            "cost",
            "open_quantity",
            "open_cost",
            "entry_id",
            "stt_paid",
        ),
        ((sid, symbol, acquired_on, q, cost, q, cost, entry_id, stt_paid) for sid, q, cost in lots),
    )


def consume_fifo(
    session: Session,
    *,
    subscription_id: int,
    symbol: str,
    quantity: int,
    proceeds: Decimal,
    sold_on: date,
    entry_id: int,
    stt_paid: bool,
) -> list[LotConsumption]:
    """Take `quantity` shares out of the oldest open lots, splitting `proceeds` across them."""
    return consume_fifo_many(
        session,
        symbol=symbol,
        sales=[Sale(subscription_id, quantity, proceeds)],
        sold_on=sold_on,
        entry_id=entry_id,
        stt_paid=stt_paid,
    )


def consume_fifo_many(
    session: Session,
    *,
    symbol: str,
    sales: Sequence[Sale],
    sold_on: date,
    entry_id: int,
    stt_paid: bool,
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
            f"lots:{entry_id}",
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
