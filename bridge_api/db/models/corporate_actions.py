"""Corporate actions on the pooled book: what was announced, and what each book received.

An action is announced (by an admin, or imported from NSE's corporate-actions file), blocks
trading in its symbol from its ex date, and is posted once, when the broker shows its effect
(the dividend credited, the new shares in the demat). Posting writes one `corporate_action`
journal entry and one append-only `CorporateActionEntitlement` per book and symbol.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id, Money, Shares, enum_column


class ActionKind(enum.StrEnum):
    """What happens to the holders of a symbol."""

    DIVIDEND = "dividend"
    SPLIT = "split"
    BONUS = "bonus"
    SYMBOL_CHANGE = "symbol_change"
    MERGER = "merger"
    DEMERGER = "demerger"


class ActionStatus(enum.StrEnum):
    """Announced until posted (or cancelled by an admin)."""

    ANNOUNCED = "announced"
    POSTED = "posted"
    CANCELLED = "cancelled"


class CorporateAction(Base):
    """One announced corporate action on one NSE symbol.

    `legs` lists what each holding turns into, for every kind but a dividend:
    ``[{"symbol", "new", "old", "cost_percent"}]``: `new` shares of `symbol` for every `old`
    held, carrying `cost_percent` of the original cost (a split, a symbol change and a merger
    replace the holding; a bonus and a demerger add to it).
    """

    __tablename__ = "corporate_actions"
    __table_args__ = (
        UniqueConstraint("symbol", "kind", "ex_date"),
        Index("ix_corporate_actions_open", "symbol", "status"),
    )

    id: Mapped[Id]
    kind: Mapped[ActionKind] = enum_column(ActionKind)
    symbol: Mapped[str] = mapped_column(ForeignKey("instruments.symbol"))
    ex_date: Mapped[date]
    record_date: Mapped[date]
    purpose: Mapped[str] = mapped_column(String(300), default="")
    per_share: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    """A dividend's rupees per share."""
    legs: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    status: Mapped[ActionStatus] = enum_column(ActionStatus, default=ActionStatus.ANNOUNCED)
    source: Mapped[str] = mapped_column(String(16), default="admin")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Created]
    posted_on: Mapped[date | None]
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    credited: Mapped[Money | None]
    """What the broker credited the account: a dividend net of TDS, or cash for fractions."""
    tds: Mapped[Money | None]
    """Tax the company deducted at source from the account's dividend (s.194)."""
    fraction_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    """Rupees per whole share paid for fractional entitlements (the company's sale of them)."""
    residue: Mapped[Money | None]
    """Cash the house received (negative: paid) to make the books equal the broker's credit."""


class CorporateActionEntitlement(Base):
    """What one book held at the record date and received when the action was posted."""

    __tablename__ = "corporate_action_entitlements"

    action_id: Mapped[int] = mapped_column(ForeignKey("corporate_actions.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    """The symbol received (for a dividend, the action's own)."""
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    held: Mapped[Shares]
    shares: Mapped[Shares]
    gross: Mapped[Money]
    tds: Mapped[Money]
    cash: Mapped[Money]
    """Cash credited: a dividend net of TDS, or the price of a fractional entitlement."""
