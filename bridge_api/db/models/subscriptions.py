"""Subscriptions (an investor's holding of a smallcase, or their direct stocks) and intents."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id, Money, Shares, enum_column


class SubscriptionKind(enum.StrEnum):
    """A smallcase subscription, or the one direct subscription for single stocks."""

    SMALLCASE = "smallcase"
    DIRECT = "direct"


class SubscriptionStatus(enum.StrEnum):
    """Active until an exit has sold everything and returned its cash."""

    ACTIVE = "active"
    CLOSED = "closed"


class Subscription(Base):
    """One investor's book for one smallcase (or their direct stocks)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'direct') = (smallcase_id IS NULL)", name="direct_has_no_smallcase"
        ),
        Index(
            "uq_subscriptions_open_smallcase",
            "user_id",
            "smallcase_id",
            unique=True,
            postgresql_where=text("status = 'active' AND kind = 'smallcase'"),
        ),
        Index(
            "uq_subscriptions_direct",
            "user_id",
            unique=True,
            postgresql_where=text("kind = 'direct'"),
        ),
    )

    id: Mapped[Id]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[SubscriptionKind] = enum_column(SubscriptionKind)
    smallcase_id: Mapped[int | None] = mapped_column(ForeignKey("smallcases.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("smallcase_versions.id"))
    status: Mapped[SubscriptionStatus] = enum_column(
        SubscriptionStatus, default=SubscriptionStatus.ACTIVE
    )
    created_at: Mapped[Created]


class IntentKind(enum.StrEnum):
    """What an investor asked for; each joins the next batch."""

    INVEST = "invest"
    TOPUP = "topup"
    EXIT = "exit"
    REBALANCE = "rebalance"
    BUY = "buy"
    SELL = "sell"


class IntentStatus(enum.StrEnum):
    """Pending until a batch takes it; done or cancelled at the end."""

    PENDING = "pending"
    BATCHED = "batched"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class Intent(Base):
    """A request that waits for the next batch."""

    __tablename__ = "intents"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        Index("ix_intents_pending", "subscription_id", postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[Id]
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    kind: Mapped[IntentKind] = enum_column(IntentKind)
    amount: Mapped[Money | None]
    symbol: Mapped[str | None] = mapped_column(ForeignKey("instruments.symbol"))
    quantity: Mapped[Shares | None]
    version_id: Mapped[int | None] = mapped_column(ForeignKey("smallcase_versions.id"))
    status: Mapped[IntentStatus] = enum_column(IntentStatus, default=IntentStatus.PENDING)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[Created]
