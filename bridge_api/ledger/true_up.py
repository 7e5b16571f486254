"""The charges true-up: after the close, the day's charges as the broker's contract note
computes them against what the allocator estimated and the participants paid.

The broker's adapter (`bridge_api.brokers.kite.contract_notes`) gives each order Saras placed
that executed that day with its charges unrounded, as Kite's virtual contract note does. The
actual charges are the day's contract note made from them by the allocator's rounding
(`allocator.contract_note`: STT and stamp per scrip to the rupee, the other lines over the day
to the paisa) plus the DP charge (₹13 + GST per scrip sold, debited as its own line), so they
are rounded exactly as the estimate was and differ from it only where a rate or an amount does.
The difference is posted once per day between the house account and the ``true_up`` charges
account, so the investors' books stay as allocated and the house carries the residue, visibly.

When the broker's lines cannot be matched to the orders one to one, nothing is posted: the
operator is alerted (kind ``true_up``) and the day can be trued up again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from allocator import NoteLine, contract_note
from bridge_api.db.models import (
    Batch,
    BatchOrder,
    BatchState,
    Cause,
    ChargesTrueUp,
    JournalEntry,
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
from bridge_api.notifications.alerts import raise_alert

TRUE_UP = "true_up"
ALERT = "true_up"


@dataclass(frozen=True, slots=True)
class ChargedOrder:
    """One executed order of the day with its charges from the contract note, unrounded."""

    order_id: str
    line: NoteLine
    total: Decimal
    """The note's unrounded total for the order, as the broker gave it (for the record)."""


class UnmatchedContractNote(Conflict):
    """The broker's contract-note lines cannot be paired one to one with the orders."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.details = details


class ContractNotes(Protocol):
    """What the true-up reads from the broker: the day's executed Saras orders, charged."""

    def charged_orders(self, session: Session, day: date) -> list[ChargedOrder]:
        """Every order Saras placed that executed on `day`, with its contract-note charges;
        `UnmatchedContractNote` when the broker's lines do not pair with the orders."""


@dataclass(frozen=True, slots=True)
class TrueUp:
    """A day's charges: estimated, actual, and the difference the house absorbed; or why the
    day was not trued up (`refused`, nothing posted)."""

    day: date
    estimated: Decimal
    actual: Decimal
    orders: int
    refused: str | None = None

    @property
    def difference(self) -> Decimal:
        """What the house pays (positive) or gets back (negative); 0 when refused."""
        return Decimal(0) if self.refused else self.actual - self.estimated


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


def true_up(session: Session, notes: ContractNotes, day: date) -> TrueUp:
    """Compare the day's estimate with the contract note and post the difference (once)."""
    if session.get(ChargesTrueUp, day) is not None:
        raise Conflict(f"charges for {day} are already trued up")
    _refuse_untagged_days(session, day)
    executing = (
        session.execute(select(Batch.id).where(Batch.state == BatchState.EXECUTING)).scalars().all()
    )
    if executing:
        raise Conflict(f"batches {list(executing)} are still executing: true up after they end")
    estimated = estimated_charges(session, day)
    try:
        orders = notes.charged_orders(session, day)
    except UnmatchedContractNote as error:
        raise_alert(
            session,
            ALERT,
            f"charges for {day} not trued up: {error}",
            day=day.isoformat(),
            **error.details,
        )
        return TrueUp(day=day, estimated=estimated, actual=Decimal(0), orders=0, refused=str(error))
    note = contract_note(day, [o.line for o in orders])
    result = TrueUp(
        day=day,
        estimated=estimated,
        actual=Decimal(note.total).scaleb(-2),
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
                "contract_note": {
                    name: str(Decimal(paise).scaleb(-2))
                    for name, paise in {
                        **note.charges.components(),
                        "brokerage": note.brokerage,
                    }.items()
                },
                "per_order_unrounded": {o.order_id: str(o.total) for o in orders},
            },
        )
    )
    session.flush()
    return result


def _refuse_untagged_days(session: Session, day: date) -> None:
    """A day traded through Lean cannot be trued up: Lean's Zerodha orders carry no Saras
    tag (and its order ids are Lean's, not Kite's digits), so the contract note's lines cannot
    be matched to the books' orders. Until they do, such a day is left to the operator."""
    foreign = session.execute(
        select(OrderSlice.broker_order_id)
        .join(BatchOrder, BatchOrder.id == OrderSlice.order_id)
        .join(Batch, Batch.id == BatchOrder.batch_id)
        .where(
            Batch.trade_date == day,
            OrderSlice.broker_order_id.is_not(None),
            ~OrderSlice.broker_order_id.regexp_match("^[0-9]+$"),
        )
        .limit(1)
    ).scalar_one_or_none()
    if foreign is not None:
        raise Conflict(
            f"orders on {day} were not placed on Kite by Saras (e.g. {foreign}, through Lean): "
            "their contract-note lines carry no Saras tag, so the day is not trued up "
            "automatically; compare the contract note by hand (docs/lean.md)"
        )
