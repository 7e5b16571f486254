"""FIFO tax lots per subscription and symbol, for realised gains as Indian tax reports them
(the convention, and why per subscription: "Tax lots" in docs/ledger.md).

A lot's cost is what the shares cost including charges, except STT (not deductible for
capital gains on listed equity); a sale's proceeds are net of its charges except STT. Lots
are consumed first in, first out; each consumption carries its share of the lot's cost and of
the sale's proceeds, to the paisa, and is itself an append-only record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import numpy.typing as npt
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from allocator.apportion import split
from allocator.constants import PAISA
from allocator.errors import InvalidInput
from bridge_api.db.copy import copy_columns, copy_rows, ints, paise
from bridge_api.db.models import LotConsumption, TaxLot
from bridge_api.errors import Conflict


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
    """Consume lots for many sales of one symbol at once (one subscription each, set-based in
    the database; see `consume_fifo_columns`); `stt_paid` for an exchange trade, not for a
    crossing. Returns the consumptions in the order of the sales, oldest lot first."""
    proceeds = []
    for sale in sales:
        paise = sale.proceeds * 100
        if paise % 1:
            raise Conflict(f"proceeds {sale.proceeds} are not whole paise")
        proceeds.append(int(paise))
    rows = consume_fifo_columns(
        session,
        symbol=symbol,
        subscriptions=np.array([sale.subscription_id for sale in sales], dtype=np.int64),
        quantities=np.array([sale.quantity for sale in sales], dtype=np.int64),
        proceeds=np.array(proceeds, dtype=np.int64),
        sold_on=sold_on,
        entry_id=entry_id,
        stt_paid=stt_paid,
        returning=True,
    )
    return [
        LotConsumption(
            lot_id=lot,
            entry_id=entry_id,
            sold_on=sold_on,
            quantity=quantity,
            cost=cost,
            proceeds=paid,
            stt_paid=stt_paid,
        )
        for lot, quantity, cost, paid in rows
    ]


def consume_fifo_columns(
    session: Session,
    *,
    symbol: str,
    subscriptions: npt.NDArray[np.int64],
    quantities: npt.NDArray[np.int64],
    proceeds: npt.NDArray[np.int64],
    sold_on: date,
    entry_id: int,
    stt_paid: bool,
    returning: bool = False,
) -> list[tuple[int, int, Decimal, Decimal]]:
    """Sales of one symbol given as arrays (subscription, shares, proceeds in paise; each
    subscription once), consumed from the oldest open lots in two statements.

    The first locks the subscriptions' open lots and refuses a sale its lots cannot cover; the
    second computes every consumption with window functions, sets the lots' open quantity and
    cost, and writes the consumptions: a lot emptied gives its whole open cost, one partly
    taken its cost pro rata rounded half-even to the paisa; each sale's proceeds are split
    over its lots by largest remainder, ties ranked by ``sha256("lots:<entry>:<lot id>")``
    exactly as `allocator.apportion.split` ranks them. With `returning`, the consumptions as
    (lot, shares, cost, proceeds), in the order of the sales, oldest lot first.
    """
    if subscriptions.size == 0:
        return []
    if np.unique(subscriptions).size != subscriptions.size:
        raise Conflict("a subscription sells a symbol at most once per consumption")
    if int(proceeds.min()) < 0:
        raise InvalidInput("total", f"must not be negative, was {int(proceeds.min())}")
    params: dict[str, object] = {
        "subscriptions": subscriptions.tolist(),
        "quantities": quantities.tolist(),
        "proceeds": proceeds.tolist(),
        "symbol": symbol,
        "entry": entry_id,
        "sold_on": sold_on,
        "stt_paid": stt_paid,
        "seed": f"lots:{entry_id}:",
    }
    short = session.execute(_SHORT, params).first()
    if short is not None:
        raise Conflict(
            f"subscription {short.subscription_id} has {short.held} {symbol} in its lots, "
            f"sells {short.quantity}"
        )
    consumed = session.execute(_CONSUME_RETURNING if returning else _CONSUME, params)
    return [(int(a), int(b), c, d) for a, b, c, d in consumed] if returning else []


_SALES = (
    "sale AS (SELECT * FROM unnest(CAST(:subscriptions AS bigint[]), "
    "CAST(:quantities AS bigint[]), CAST(:proceeds AS bigint[])) WITH ORDINALITY "
    "AS s(subscription_id, quantity, proceeds, n)), "
    "lot AS (SELECT l.id, l.subscription_id, l.acquired_on, l.open_quantity, l.open_cost "
    "FROM tax_lots AS l WHERE l.subscription_id = ANY(CAST(:subscriptions AS bigint[])) "
    "AND l.symbol = :symbol AND l.open_quantity > 0 FOR UPDATE)"
)
# One aggregate over sales and lots together, not a join: the planner's estimate of the locked
# lots is whatever the table's statistics say: right after a bulk load of lots, before
# autovacuum analysed them, it guessed 61 rows for 10,000 and chose a nested loop (34 s).
_SHORT = text(
    f"WITH {_SALES} "
    "SELECT u.subscription_id, max(u.quantity) AS quantity, sum(u.held) AS held "
    "FROM (SELECT subscription_id, quantity, CAST(0 AS numeric) AS held, n FROM sale "
    "UNION ALL SELECT subscription_id, NULL, open_quantity, NULL FROM lot) AS u "
    "GROUP BY u.subscription_id "
    "HAVING max(u.quantity) IS NOT NULL AND sum(u.held) < max(u.quantity) "
    "ORDER BY min(u.n) LIMIT 1"
)
_CONSUMED = (
    f"WITH {_SALES}, "
    "held AS (SELECT lot.*, s.quantity AS sold, s.proceeds, s.n, "
    "coalesce(sum(lot.open_quantity) OVER (PARTITION BY lot.subscription_id "
    "ORDER BY lot.acquired_on, lot.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) "
    "AS before FROM lot JOIN sale AS s USING (subscription_id)), "
    "taken AS (SELECT h.*, least(h.open_quantity, h.sold - h.before) AS take, "
    "count(*) OVER (PARTITION BY h.subscription_id) AS lots "
    "FROM held AS h WHERE h.before < h.sold), "
    "costed AS (SELECT t.*, "
    "CASE WHEN t.take = t.open_quantity THEN t.open_cost ELSE (x.q + CASE WHEN 2 * x.r > "
    "t.open_quantity OR (2 * x.r = t.open_quantity AND mod(x.q, 2) = 1) THEN 1 ELSE 0 END) "
    "* 0.01 END AS cost, "
    "div(t.proceeds * t.take, t.sold) AS part, mod(t.proceeds * t.take, t.sold) AS remainder "
    "FROM taken AS t CROSS JOIN LATERAL (SELECT div(t.open_cost * 100 * t.take, "
    "t.open_quantity) AS q, mod(t.open_cost * 100 * t.take, t.open_quantity) AS r) AS x), "
    "ranked AS (SELECT c.*, c.proceeds - sum(c.part) OVER (PARTITION BY c.subscription_id) "
    "AS leftover, row_number() OVER (PARTITION BY c.subscription_id ORDER BY c.remainder DESC, "
    "CASE WHEN c.lots > 1 THEN sha256(convert_to(:seed || c.id::text, 'UTF8')) END) AS rank "
    "FROM costed AS c), "
    "done AS (SELECT r.*, r.part + CASE WHEN r.rank <= r.leftover THEN 1 ELSE 0 END AS paid "
    "FROM ranked AS r), "
    "moved AS (UPDATE tax_lots AS l SET open_quantity = l.open_quantity - d.take, "
    "open_cost = l.open_cost - d.cost FROM done AS d WHERE l.id = d.id) "
    "INSERT INTO lot_consumptions (lot_id, entry_id, sold_on, quantity, cost, proceeds, "
    "stt_paid) SELECT d.id, :entry, :sold_on, d.take, d.cost, d.paid * 0.01, :stt_paid "
    "FROM done AS d ORDER BY d.n, d.acquired_on, d.id"
)
_CONSUME = text(_CONSUMED)
_CONSUME_RETURNING = text(f"{_CONSUMED} RETURNING lot_id, quantity, cost, proceeds")


def add_lot_columns(
    session: Session,
    *,
    symbol: str,
    acquired_on: date,
    entry_id: int,
    subscriptions: npt.NDArray[np.int64],
    quantities: npt.NDArray[np.int64],
    costs: npt.NDArray[np.int64],
    stt_paid: bool,
) -> int:
    """`add_lots` for acquisitions given as arrays (costs in paise), in one COPY."""
    quantity = ints(quantities)
    cost = paise(costs)
    return copy_columns(
        session,
        "tax_lots",
        {
            "subscription_id": ints(subscriptions),
            "symbol": symbol,
            "acquired_on": acquired_on.isoformat(),
            "quantity": quantity,
            "cost": cost,
            "open_quantity": quantity,
            "open_cost": cost,
            "entry_id": str(entry_id),
            "stt_paid": "t" if stt_paid else "f",
        },
        subscriptions.size,
    )


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
