"""The charges true-up: after the close, the day's charges as Kite's virtual contract note
computes them against what the allocator estimated and the participants paid.

The actual charges are the contract note's totals for every order Saras placed that executed
today, plus the DP charge (₹13 + GST per scrip sold, debited as its own line, not on the
contract note). The difference is posted once per day between the house account and the
``true_up`` charges account, so the investors' books stay as allocated and the house carries
the residue, visibly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from allocator import Side
from allocator.charges import Trade, delivery_charges
from bridge_api.brokers.kite.broker import rupees
from bridge_api.calendar import ist_today
from bridge_api.db.models import (
    Batch,
    BatchState,
    Cause,
    ChargesTrueUp,
    JournalEntry,
    KiteSnapshot,
    LedgerAccount,
    LedgerKind,
    OrderSlice,
    Posting,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict
from bridge_api.ledger.service import (
    CHARGES_PREFIX,
    HOUSE,
    Leg,
    charges_account,
    named_account,
    post,
)

TRUE_UP = "true_up"


class ContractNotes(Protocol):
    """What the true-up reads from the broker."""

    def order_book(self) -> list[dict[str, Any]]:
        """Today's orders as Kite returns them."""

    def contract_note(self, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Per-order charges for executed orders."""


@dataclass(frozen=True, slots=True)
class TrueUp:
    """A day's charges: estimated, actual, and the difference the house absorbed."""

    day: date
    estimated: Decimal
    actual: Decimal
    orders: int

    @property
    def difference(self) -> Decimal:
        """What the house pays (positive) or gets back (negative)."""
        return self.actual - self.estimated


def estimated_charges(session: Session, day: date) -> Decimal:
    """What the allocator charged for the day's orders (every component, DP included)."""
    total = session.execute(
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(
            JournalEntry.cause == Cause.CHARGES,
            JournalEntry.effective_on == day,
            LedgerAccount.name.startswith(CHARGES_PREFIX),
            Posting.asset == CASH,
        )
    ).scalar_one()
    return Decimal(total)


def executed_orders(session: Session, book: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contract note's request: every executed order Saras placed, at its filled size."""
    tags = set(session.execute(select(OrderSlice.tag)).scalars())
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


def dp_charges(day: date, orders: list[dict[str, Any]]) -> Decimal:
    """The day's DP charges at the rates in force: one per scrip sold."""
    sold = sorted({o["tradingsymbol"] for o in orders if o["transaction_type"] == "SELL"})
    trades = [Trade(symbol=s, side=Side.SELL, quantity=1, price=Decimal("1.00")) for s in sold]
    return Decimal(delivery_charges(day, trades).dp) / 100


def true_up(
    session: Session, broker: ContractNotes, day: date, *, today: date | None = None
) -> TrueUp:
    """Compare the day's estimate with the contract note and post the difference (once).

    Today's executed orders come from Kite's order book; an earlier day's from its stored
    snapshot (Kite's order book only holds today's)."""
    if session.get(ChargesTrueUp, day) is not None:
        raise Conflict(f"charges for {day} are already trued up")
    executing = session.execute(
        select(Batch.id).where(Batch.state == BatchState.EXECUTING)
    ).scalars().all()
    if executing:
        raise Conflict(f"batches {list(executing)} are still executing: true up after they end")
    if day == (today or ist_today()):
        book = broker.order_book()
    else:
        snapshot = session.get(KiteSnapshot, day)
        if snapshot is None:
            raise Conflict(f"no snapshot of {day}'s orders: its charges cannot be trued up")
        book = snapshot.orders
    orders = executed_orders(session, book)
    notes = broker.contract_note(orders) if orders else []
    dp = dp_charges(day, orders)
    contract = sum((rupees(n["charges"]["total"]) for n in notes), Decimal(0))
    result = TrueUp(
        day=day,
        estimated=estimated_charges(session, day),
        actual=contract + dp,
        orders=len(orders),
    )
    entry_id = None
    if result.difference:
        entry = post(
            session,
            cause=Cause.CHARGE_TRUE_UP,
            legs=[
                Leg(named_account(session, HOUSE, LedgerKind.HOUSE), CASH, -result.difference),
                Leg(charges_account(session, TRUE_UP), CASH, result.difference),
            ],
            effective_on=day,
            memo=f"charges true-up {day}: contract note {result.actual}, "
            f"estimated {result.estimated}",
        )
        entry_id = entry.id
    session.add(
        ChargesTrueUp(
            day=day,
            estimated=result.estimated,
            actual=result.actual,
            difference=result.difference,
            entry_id=entry_id,
            details={
                "orders": len(orders),
                "contract_note": str(contract),
                "dp": str(dp),
                "per_order": {
                    o["order_id"]: str(rupees(n["charges"]["total"]))
                    for o, n in zip(orders, notes, strict=True)
                },
            },
        )
    )
    session.flush()
    return result
