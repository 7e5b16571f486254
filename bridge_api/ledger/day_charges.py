"""Each executed order's charges as what it adds to the day's contract note.

The contract note rounds per day: STT and stamp duty on each scrip's day to the rupee, the
exchange charge, SEBI fee and GST on the day's turnover to the paisa (`allocator.charges`).
Orders are allocated one by one, so an order is charged the day's contract note with it less
the day's contract note without it (the orders and stray fills already charged that day). The
day's charges therefore sum exactly to its contract note, which is what the true-up compares
them with; no figure already posted changes. A transaction-scoped advisory lock per day keeps
two allocations from counting the same day twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from allocator import Side, Trade, delivery_charges
from allocator.money import from_paise
from bridge_api.db.models import Batch, BatchOrder, BrokerTrade, JournalEntry, OrderStatus
from bridge_api.db.models.batches import StrayTrade

ADDED = ("stt", "exchange", "sebi", "stamp", "gst")
"""The components that follow the day; DP is decided per scrip by `ledger.dp`."""


def added_by(
    session: Session, day: date, trades: Sequence[Trade], *, excluding_order: int | None = None
) -> dict[str, Decimal]:
    """What `trades` add to `day`'s contract note, by component (rupees), DP as for the trades
    alone; `excluding_order` is the order being allocated (its own trades are `trades`)."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"day_charges:{day}"))))
    before = charged_today(session, day, excluding_order=excluding_order)
    without = delivery_charges(day, before).components()
    with_them = delivery_charges(day, [*before, *trades]).components()
    own = delivery_charges(day, trades).components()
    added = {name: from_paise(with_them[name] - without[name]) for name in ADDED}
    return {**added, "dp": from_paise(own["dp"])}


def charged_today(session: Session, day: date, *, excluding_order: int | None) -> list[Trade]:
    """The day's trades already charged (allocated orders and stray fills), as one trade per
    symbol and side carrying its value."""
    allocated = (
        select(
            BatchOrder.symbol, BatchOrder.side, func.sum(BrokerTrade.quantity * BrokerTrade.price)
        )
        .join(Batch, Batch.id == BatchOrder.batch_id)
        .join(BrokerTrade, BrokerTrade.order_id == BatchOrder.id)
        .where(Batch.trade_date == day, BatchOrder.status == OrderStatus.FINAL)
        .group_by(BatchOrder.symbol, BatchOrder.side)
    )
    if excluding_order is not None:
        allocated = allocated.where(BatchOrder.id != excluding_order)
    strays = (
        select(StrayTrade.symbol, StrayTrade.side, func.sum(StrayTrade.quantity * StrayTrade.price))
        .join(JournalEntry, JournalEntry.id == StrayTrade.entry_id)
        .where(JournalEntry.effective_on == day)
        .group_by(StrayTrade.symbol, StrayTrade.side)
    )
    rows = [*session.execute(allocated), *session.execute(strays)]
    return [
        Trade(symbol=symbol, side=Side(side), quantity=1, price=Decimal(value))
        for symbol, side, value in sorted(rows)
        if value
    ]
