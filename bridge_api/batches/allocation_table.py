"""Writing the allocation table (`batch_targets`) with PostgreSQL's COPY, in the caller's
transaction: one row per participating subscription and symbol."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from bridge_api.db.copy import copy_rows

COLUMNS = ("batch_id", "subscription_id", "symbol", "holding", "target", "price")


@dataclass(frozen=True, slots=True)
class TargetRow:
    """A subscription's holding and target of one symbol, with the price used to size it."""

    subscription_id: int
    symbol: str
    holding: int
    target: int
    price: Decimal


def write_targets(session: Session, batch_id: int, rows: Iterable[TargetRow]) -> int:
    """COPY `rows` into `batch_targets` for `batch_id`; returns how many were written."""
    return copy_rows(
        session,
        "batch_targets",
        COLUMNS,
        ((batch_id, r.subscription_id, r.symbol, r.holding, r.target, r.price) for r in rows),
    )
