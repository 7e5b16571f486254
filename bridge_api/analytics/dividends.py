"""The dividends an investor received in a financial year, with the tax deducted at source.

One line per dividend and subscription, from the entitlements recorded when the dividend was
posted (`corporate_actions.posting`): gross, TDS and net are the book's own exact shares of
the account's dividend. The year is that of the payment (the day the broker credited it, which
is when the company deducted the TDS).

The company pays and deducts TDS against the pooled demat's holder (the operator's PAN);
each book's TDS is its pro-rata share of that (docs/corporate-actions.md), not a deduction on
the investor's own PAN: it is not on the investor's Form 26AS.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.analytics.gains import financial_year
from bridge_api.db.models import (
    ActionKind,
    ActionStatus,
    CorporateAction,
    CorporateActionEntitlement,
    Smallcase,
    Subscription,
    User,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class DividendLine:
    """One dividend received in one subscription."""

    action_id: int
    subscription_id: int
    smallcase: str | None
    symbol: str
    held: int
    per_share: Decimal
    ex_date: date
    record_date: date
    paid_on: date
    gross: Decimal
    tds: Decimal
    net: Decimal


@dataclass(frozen=True, slots=True)
class DividendTotals:
    """The year's sums: net is gross less TDS, to the paisa."""

    gross: Decimal
    tds: Decimal
    net: Decimal


def lines(session: Session, user: User, start_year: int) -> list[DividendLine]:
    """The investor's own dividends paid in the financial year starting April `start_year`."""
    first, last = financial_year(start_year)
    rows = session.execute(
        select(CorporateActionEntitlement, CorporateAction, Smallcase.name)
        .join(CorporateAction, CorporateAction.id == CorporateActionEntitlement.action_id)
        .join(Subscription, Subscription.id == CorporateActionEntitlement.subscription_id)
        .outerjoin(Smallcase, Smallcase.id == Subscription.smallcase_id)
        .where(
            Subscription.user_id == user.id,
            CorporateAction.kind == ActionKind.DIVIDEND,
            CorporateAction.status == ActionStatus.POSTED,
            CorporateAction.posted_on >= first,
            CorporateAction.posted_on <= last,
        )
        .order_by(
            CorporateAction.posted_on,
            CorporateAction.symbol,
            CorporateActionEntitlement.subscription_id,
        )
    ).all()
    out = []
    for row, action, smallcase in rows:
        assert action.posted_on is not None
        assert row.subscription_id is not None
        out.append(
            DividendLine(
                action_id=action.id,
                subscription_id=row.subscription_id,
                smallcase=smallcase,
                symbol=action.symbol,
                held=row.held,
                per_share=action.per_share or Decimal(0),
                ex_date=action.ex_date,
                record_date=action.record_date,
                paid_on=action.posted_on,
                gross=row.gross,
                tds=row.tds,
                net=row.cash,
            )
        )
    return out


def totals(found: list[DividendLine]) -> DividendTotals:
    """The year's gross, TDS and net."""
    return DividendTotals(
        gross=sum((d.gross for d in found), ZERO),
        tds=sum((d.tds for d in found), ZERO),
        net=sum((d.net for d in found), ZERO),
    )


def to_csv(found: list[DividendLine]) -> str:
    """The lines as CSV, then a totals line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "subscription",
            "smallcase",
            "symbol",
            "held",
            "per_share",
            "ex_date",
            "record_date",
            "paid_on",
            "gross",
            "tds",
            "net",
        ]
    )
    for d in found:
        writer.writerow(
            [
                d.subscription_id,
                d.smallcase or "",
                d.symbol,
                d.held,
                f"{d.per_share:.4f}",
                d.ex_date.isoformat(),
                d.record_date.isoformat(),
                d.paid_on.isoformat(),
                f"{d.gross:.2f}",
                f"{d.tds:.2f}",
                f"{d.net:.2f}",
            ]
        )
    total = totals(found)
    writer.writerow(
        [
            "total",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            f"{total.gross:.2f}",
            f"{total.tds:.2f}",
            f"{total.net:.2f}",
        ]
    )
    return buffer.getvalue()
