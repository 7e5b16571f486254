"""Kite's virtual contract note for the charges true-up: every order Saras placed that
executed on a day, charged as Kite's ``POST /charges/orders`` computes it.

Today's executed orders come from Kite's order book; an earlier day's from its stored
snapshot (Kite's order book only holds today's)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from allocator import Side
from bridge_api.brokers.kite.broker import KiteBroker, rupees
from bridge_api.calendar import ist_today
from bridge_api.db.models import KiteSnapshot, OrderSend
from bridge_api.errors import Conflict
from bridge_api.ledger.true_up import ChargedOrder


class KiteContractNotes:
    """`bridge_api.ledger.true_up.ContractNotes` over a Kite broker."""

    def __init__(self, broker: KiteBroker, *, today: date | None = None) -> None:
        self.broker = broker
        self._today = today

    def charged_orders(self, session: Session, day: date) -> list[ChargedOrder]:
        """Every executed Saras order of `day` with its contract-note charges."""
        if day == (self._today or ist_today()):
            book = self.broker.order_book()
        else:
            snapshot = session.get(KiteSnapshot, day)
            if snapshot is None:
                raise Conflict(f"no snapshot of {day}'s orders: its charges cannot be trued up")
            book = snapshot.orders
        orders = executed_orders(session, book)
        notes = self.broker.contract_note(orders) if orders else []
        return [
            ChargedOrder(
                order_id=o["order_id"],
                symbol=o["tradingsymbol"],
                side=Side(o["transaction_type"]),
                charges=rupees(n["charges"]["total"]),
            )
            for o, n in zip(orders, notes, strict=True)
        ]


def executed_orders(session: Session, book: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contract note's request: every executed order Saras placed (any tag the rate limiter
    granted, strays included: their charges are the house's), at its filled size."""
    tags = set(session.execute(select(OrderSend.tag)).scalars())
    return [
        {
            "order_id": str(row["order_id"]),
            "exchange": row["exchange"],
            "tradingsymbol": row["tradingsymbol"],
            "transaction_type": row["transaction_type"],
            "variety": row["variety"],
            "product": row["product"],
            "order_type": row["order_type"],
            "quantity": int(row["filled_quantity"]),
            "average_price": float(row["average_price"]),
        }
        for row in book
        if row.get("tag") in tags and int(row.get("filled_quantity") or 0) > 0
    ]
