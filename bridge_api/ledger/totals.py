"""What the pooled broker account should hold, according to the books: every sub-ledger plus
the house (investors' free cash, subscriptions, and the house account)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge_api.db.models import Balance, LedgerAccount, LedgerKind
from bridge_api.db.models.ledger import CASH

POOLED = (LedgerKind.INVESTOR, LedgerKind.SUBSCRIPTION, LedgerKind.HOUSE)


def pooled_shares(session: Session) -> dict[str, int]:
    """Shares per symbol held by the subscriptions and the house (zero totals left out)."""
    rows = session.execute(
        select(Balance.asset, func.sum(Balance.amount))
        .join(LedgerAccount, LedgerAccount.id == Balance.account_id)
        .where(LedgerAccount.kind.in_(POOLED), Balance.asset != CASH)
        .group_by(Balance.asset)
    ).all()
    return {asset: int(amount) for asset, amount in sorted(rows) if amount}


def pooled_cash(session: Session) -> Decimal:
    """Rupees held by investors, subscriptions and the house, settled or not."""
    total = session.execute(
        select(func.coalesce(func.sum(Balance.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == Balance.account_id)
        .where(LedgerAccount.kind.in_(POOLED), Balance.asset == CASH)
    ).scalar_one()
    return Decimal(total)


def ledger_balances(session: Session) -> bool:
    """Whether every asset's balances across all accounts (the outside world included) sum to
    zero, as double entry requires."""
    totals = session.execute(
        select(Balance.asset, func.sum(Balance.amount)).group_by(Balance.asset)
    ).all()
    return all(total == 0 for _, total in totals)
