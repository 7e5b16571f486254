"""Reconciliation: the books (every sub-ledger plus the house) against the broker's account.

One reconciliation serves every broker through the port: shares must agree exactly, symbol by
symbol, with what the broker holds (settled, still settling, and today's net). Cash is compared
too (``scope="full"``) where the broker keeps cash: the broker's cash after today's trades
(for Kite not its margin ``net``, see `bridge_api.brokers.kite.broker.KiteBroker.cash`) must
equal the books' pooled cash plus the charges the books have paid that the broker has not
debited yet. Kite debits a day's contract note and DP into the next day's opening balance, so
those are the charges booked for the trading days of the orders in the broker's current book.
The house's position is part of every report, and a house below zero is a difference of its
own: the investors' claims then exceed what the account holds, until the operator funds it.
Every report is stored; a difference raises an alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bridge_api.calendar import ist_today
from bridge_api.db.models import (
    Batch,
    BatchOrder,
    ChargesTrueUp,
    JournalEntry,
    LedgerAccount,
    OrderSlice,
    Posting,
    ReconciliationReport,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.ledger.house import position
from bridge_api.ledger.service import CHARGES_PREFIX
from bridge_api.ledger.totals import ledger_balances, pooled_cash, pooled_shares
from bridge_api.notifications.alerts import raise_alert


class BookOrder(Protocol):
    """An order of the broker's current book, as the port gives it."""

    @property
    def tag(self) -> str:
        """The client tag it was placed under."""

    @property
    def broker_order_id(self) -> str:
        """The broker's id."""


class BrokerAccount(Protocol):
    """What reconciliation reads from the broker (part of the broker port)."""

    def holdings(self) -> dict[str, int]:
        """Shares per symbol: settled, settling and today's net."""

    def cash(self) -> Decimal | None:
        """Cash after today's trades and every charge the broker has debited; None where the
        venue keeps none."""

    def orders(self) -> Sequence[BookOrder]:
        """The broker's current order book."""


@dataclass(frozen=True, slots=True)
class Difference:
    """One asset on which the books and the broker disagree."""

    asset: str
    books: str
    broker: str


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of one reconciliation."""

    scope: str
    shares_books: dict[str, int]
    shares_broker: dict[str, int]
    cash_books: Decimal | None = None
    cash_broker: Decimal | None = None
    cash_undebited: Decimal | None = None
    """Charges the books have paid that the broker has not debited yet (today's)."""
    double_entry_holds: bool = True
    differences: list[Difference] = field(default_factory=list)
    charges: dict[str, str] | None = None
    """The day's charges true-up (estimated, actual, difference), once it has run."""
    house: dict[str, Any] = field(default_factory=dict)
    """The house's cash (settled, unsettled) and shares."""

    @property
    def matches(self) -> bool:
        """Nothing differs and every asset's balances sum to zero."""
        return not self.differences and self.double_entry_holds

    def as_json(self) -> dict[str, Any]:
        """The stored form (amounts as strings)."""
        return {
            "scope": self.scope,
            "shares_books": self.shares_books,
            "shares_broker": self.shares_broker,
            "cash_books": None if self.cash_books is None else str(self.cash_books),
            "cash_broker": None if self.cash_broker is None else str(self.cash_broker),
            "cash_undebited": None if self.cash_undebited is None else str(self.cash_undebited),
            "double_entry_holds": self.double_entry_holds,
            "charges": self.charges,
            "house": self.house,
            "differences": [
                {"asset": d.asset, "books": d.books, "broker": d.broker} for d in self.differences
            ],
        }


def compare(session: Session, broker: BrokerAccount, *, scope: str = "shares") -> Report:
    """Compare the books with the broker now (``shares``, or ``full`` with cash)."""
    books = pooled_shares(session)
    held = broker.holdings()
    differences = [
        Difference(symbol, str(books.get(symbol, 0)), str(held.get(symbol, 0)))
        for symbol in sorted(set(books) | set(held))
        if books.get(symbol, 0) != held.get(symbol, 0)
    ]
    cash_books = cash_broker = undebited = None
    charges = None
    if scope == "full":
        trued = session.get(ChargesTrueUp, ist_today())
        if trued is not None:
            charges = {
                "estimated": str(trued.estimated),
                "actual": str(trued.actual),
                "difference": str(trued.difference),
            }
        cash_broker = broker.cash()
        if cash_broker is not None:
            cash_books = pooled_cash(session)
            undebited = undebited_charges(session, broker.orders())
            if cash_books + undebited != cash_broker:
                differences.append(Difference("INR", str(cash_books + undebited), str(cash_broker)))
    house = position(session)
    if house.shortfall:
        differences.append(Difference("house cash", str(house.cash), "fund the house"))
    return Report(
        scope=scope,
        shares_books=books,
        shares_broker=held,
        cash_books=cash_books,
        cash_broker=cash_broker,
        cash_undebited=undebited,
        double_entry_holds=ledger_balances(session),
        differences=differences,
        charges=charges,
        house={
            "settled": str(house.settled),
            "unsettled": str(house.unsettled),
            "shares": house.shares,
        },
    )


def undebited_charges(session: Session, book: Sequence[BookOrder]) -> Decimal:
    """The charges booked for the trading days of the Saras orders in the broker's current
    book (every charges account's cash, the true-up and stray fills' charges included): the
    broker debits them only after that day."""
    tags = [order.tag for order in book if order.tag]
    ids = [order.broker_order_id for order in book]
    if not tags and not ids:
        return Decimal(0)
    days = (
        select(Batch.trade_date)
        .join(BatchOrder, BatchOrder.batch_id == Batch.id)
        .join(OrderSlice, OrderSlice.order_id == BatchOrder.id)
        .where(or_(OrderSlice.tag.in_(tags), OrderSlice.broker_order_id.in_(ids)))
        .distinct()
    )
    total = session.execute(
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(
            JournalEntry.effective_on.in_(days),
            LedgerAccount.name.startswith(CHARGES_PREFIX),
            Posting.asset == CASH,
        )
    ).scalar_one()
    return Decimal(total)


def reconcile(
    session: Session, broker: BrokerAccount, *, scope: str = "shares", batch_id: int | None = None
) -> tuple[Report, ReconciliationReport]:
    """Compare, store the report, and alert the operator on any difference."""
    report = compare(session, broker, scope=scope)
    row = ReconciliationReport(
        scope=scope, batch_id=batch_id, matches=report.matches, report=report.as_json()
    )
    session.add(row)
    session.flush()
    if not report.matches:
        raise_alert(
            session,
            "reconciliation",
            f"reconciliation {row.id} ({scope}) found {len(report.differences)} differences"
            + ("" if report.double_entry_holds else " and the ledger does not balance"),
            report_id=row.id,
            differences=report.as_json()["differences"],
        )
    return report, row


def render(report: Report) -> str:
    """The report as the operator reads it."""
    lines = [f"Reconciliation ({report.scope}): {'OK' if report.matches else 'DIFFERENCES'}"]
    symbols = sorted(set(report.shares_books) | set(report.shares_broker))
    width = max([len(s) for s in symbols] + [6])
    lines.append(f"  {'symbol':<{width}} {'books':>10} {'broker':>10}")
    for symbol in symbols:
        books, broker = report.shares_books.get(symbol, 0), report.shares_broker.get(symbol, 0)
        mark = "" if books == broker else "  <-- differs"
        lines.append(f"  {symbol:<{width}} {books:>10} {broker:>10}{mark}")
    if report.cash_books is not None:
        undebited = report.cash_undebited or Decimal(0)
        expected = report.cash_books + undebited
        mark = "" if expected == report.cash_broker else "  <-- differs"
        lines.append(f"  {'cash':<{width}} {expected:>10} {report.cash_broker:>10}{mark}")
        lines.append(
            f"  (cash: the books' {report.cash_books} plus {undebited} of today's charges the "
            "broker debits after the close)"
        )
    if report.charges is not None:
        lines.append(
            f"  charges today: estimated {report.charges['estimated']}, contract note "
            f"{report.charges['actual']}, the house absorbed {report.charges['difference']}"
        )
    elif report.scope == "full":
        lines.append("  charges today: not trued up yet (`saras kite true-up`)")
    if report.house:
        held = ", ".join(f"{q} {s}" for s, q in report.house["shares"].items()) or "no shares"
        lines.append(
            f"  the house: {report.house['settled']} settled, {report.house['unsettled']} "
            f"unsettled, {held}"
        )
    short = [d for d in report.differences if d.asset == "house cash"]
    if short:
        lines.append(
            f"  the house is below zero ({short[0].books}): the investors' claims exceed the "
            "account's cash; fund it (saras house fund)"
        )
    if not report.double_entry_holds:
        lines.append("  the ledger's balances do not sum to zero per asset")
    return "\n".join(lines)
