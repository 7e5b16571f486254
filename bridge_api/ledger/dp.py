"""The depository (DP) charge: once per scrip per day for the whole account.

CDSL's DP charge at Zerodha (₹13 + GST) is levied when a scrip is debited from the demat
account, once per scrip per day whatever the number of sell orders or their size. So of a
day's sales of a scrip, the first one allocated carries the charge (split among its sellers as
the allocator splits every charge, by value) and the others carry none: whoever's sale causes
the debit pays for it, and no figure an investor has seen changes later.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from bridge_api.db.models import DpCharge


def charge_dp_here(session: Session, *, day: date, symbol: str, charged_with: str) -> bool:
    """Whether this sale of `symbol` on `day` carries the day's DP charge: True for the first
    one that asks (recorded, so no later sale that day does), False for every later one."""
    claimed = session.execute(
        insert(DpCharge)
        .values(day=day, symbol=symbol, charged_with=charged_with[:120])
        .on_conflict_do_nothing(index_elements=["day", "symbol"])
        .returning(DpCharge.symbol)
    ).first()
    return claimed is not None


def once_a_day(
    session: Session, charges: dict[str, Decimal], *, day: date, symbol: str, charged_with: str
) -> dict[str, Decimal]:
    """`charges` with their DP dropped when an earlier sale of `symbol` on `day` carried it
    (the first sale that asks claims the day's charge)."""
    if charges["dp"] and not charge_dp_here(
        session, day=day, symbol=symbol, charged_with=charged_with
    ):
        charges["dp"] = Decimal("0.00")
    return charges
