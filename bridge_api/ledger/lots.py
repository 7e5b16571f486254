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


@dataclass(frozen=True, slots=True)
class Carry:
    """What a subscription's open lots of a symbol turn into in one corporate action: `quantity`
    whole shares of `symbol` carrying `cost_percent` of each lot's open cost, and `cash` paid
    for the fractional entitlement of this leg."""

    symbol: str
    quantity: int
    cost_percent: Decimal
    cash: Decimal = Decimal("0.00")


def carry_lots(
    session: Session,
    *,
    subscription_id: int,
    symbol: str,
    legs: Sequence[Carry],
    entry_id: int,
    on: date,
) -> None:
    """Close a subscription's open lots of `symbol` and open in their place, leg by leg, lots
    of each leg's symbol that keep the old lot's acquisition date and STT status (a split, a
    symbol change, a merger, a demerger; see docs/corporate-actions.md).

    Each leg's shares are spread over the old lots by largest remainder of their open
    quantities, and each old lot's open cost over the legs by `cost_percent` (the last leg
    takes the rest, so cost is conserved to the paisa). A lot that receives no share of a leg
    passes that leg's cost to the newest lot that does; when no lot does (a holding too small
    for one new share), that cost leaves with the fraction's cash as a disposal. A leg's
    fraction cash is recorded as a disposal (quantity 0) of the newest old lot.
    """
    if sum((leg.cost_percent for leg in legs), Decimal(0)) != 100:
        raise Conflict(f"the legs' cost percentages must sum to 100, were {legs}")
    lots = list(
        session.execute(
            select(TaxLot)
            .where(
                TaxLot.subscription_id == subscription_id,
                TaxLot.symbol == symbol,
                TaxLot.open_quantity > 0,
            )
            .order_by(TaxLot.acquired_on, TaxLot.id)
            .with_for_update()
        ).scalars()
    )
    if not lots:
        return
    costs = [_by_percent(lot.open_cost, [leg.cost_percent for leg in legs]) for lot in lots]
    disposals: list[LotConsumption] = []
    for index, leg in enumerate(legs):
        quantities = split(
            leg.quantity,
            [lot.open_quantity for lot in lots],
            [str(lot.id) for lot in lots],
            f"carry:{entry_id}:{leg.symbol}",
        )
        receivers = [i for i, q in enumerate(quantities) if q]
        orphaned = sum((costs[i][index] for i, q in enumerate(quantities) if not q), Decimal(0))
        for i in receivers:
            cost = costs[i][index] + (orphaned if i == receivers[-1] else Decimal(0))
            session.add(
                TaxLot(
                    subscription_id=subscription_id,
                    symbol=leg.symbol,
                    acquired_on=lots[i].acquired_on,
                    quantity=quantities[i],
                    cost=cost,
                    open_quantity=quantities[i],
                    open_cost=cost,
                    entry_id=entry_id,
                    stt_paid=lots[i].stt_paid,
                    from_lot_id=lots[i].id,
                )
            )
        if not receivers and orphaned:
            weights = [int(costs[i][index] * 100) for i in range(len(lots))]
            parts = split(
                int(leg.cash * 100), weights, [str(lot.id) for lot in lots], f"gone:{entry_id}"
            )
            disposals += [
                _disposal(lot, entry_id, on, costs[i][index], Decimal(parts[i]).scaleb(-2))
                for i, lot in enumerate(lots)
                if costs[i][index] or parts[i]
            ]
        elif leg.cash:
            disposals.append(_disposal(lots[-1], entry_id, on, Decimal("0.00"), leg.cash))
    _update_open(session, [{"lot": lot.id, "quantity": 0, "cost": Decimal(0)} for lot in lots])
    for lot in lots:
        session.expire(lot)
    session.add_all(disposals)
    session.flush()


def add_bonus_lot(
    session: Session,
    *,
    subscription_id: int,
    symbol: str,
    quantity: int,
    cash: Decimal,
    allotted_on: date,
    entry_id: int,
) -> None:
    """Bonus shares: a new lot at nil cost acquired on the allotment date (s.55(2)(aa)(iiia)),
    the original lots unchanged; cash for a fractional entitlement is a disposal (quantity 0)
    of that nil-cost lot (of quantity 0 when the holding earns no whole bonus share)."""
    if not quantity and not cash:
        return
    lot = TaxLot(
        subscription_id=subscription_id,
        symbol=symbol,
        acquired_on=allotted_on,
        quantity=quantity,
        cost=Decimal("0.00"),
        open_quantity=quantity,
        open_cost=Decimal("0.00"),
        entry_id=entry_id,
        stt_paid=False,
    )
    session.add(lot)
    session.flush()
    if cash:
        session.add(_disposal(lot, entry_id, allotted_on, Decimal("0.00"), cash))
        session.flush()


def _by_percent(amount: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    parts = [(amount * p / 100).quantize(PAISA, rounding=ROUND_HALF_EVEN) for p in percents[:-1]]
    return [*parts, amount - sum(parts, Decimal(0))]


def _disposal(
    lot: TaxLot, entry_id: int, on: date, cost: Decimal, proceeds: Decimal
) -> LotConsumption:
    return LotConsumption(
        lot_id=lot.id,
        entry_id=entry_id,
        sold_on=on,
        quantity=0,
        cost=cost,
        proceeds=proceeds,
        stt_paid=False,
    )
