"""Batches: the allocation table, the recorded plan (crossings, orders, statement, slices),
broker trades, and what was left out."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id, Money, Price, Shares, enum_column


class BatchState(enum.StrEnum):
    """draft -> ready -> executing -> completed | partially_completed | failed | cancelled."""

    DRAFT = "draft"
    READY = "ready"
    EXECUTING = "executing"
    COMPLETED = "completed"
    PARTIALLY_COMPLETED = "partially_completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


OPEN_STATES = (BatchState.DRAFT, BatchState.READY, BatchState.EXECUTING)


class OrderStatus(enum.StrEnum):
    """An order is planned, then open at the broker, then final (and allocated)."""

    PLANNED = "planned"
    OPEN = "open"
    FINAL = "final"


class SliceStatus(enum.StrEnum):
    """planned -> sending (recorded before the broker is called) -> sent, or unknown when the
    placement's outcome is unknown (resolved by looking the tag up), or rejected; final once
    its order is allocated (a rejected slice stays rejected: nothing trades under its tag)."""

    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    UNKNOWN = "unknown"
    REJECTED = "rejected"
    FINAL = "final"


class Batch(Base):
    """A set of subscriptions traded together within one market session."""

    __tablename__ = "batches"

    id: Mapped[Id]
    smallcase_id: Mapped[int | None] = mapped_column(ForeignKey("smallcases.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("smallcase_versions.id"))
    state: Mapped[BatchState] = enum_column(BatchState, default=BatchState.DRAFT)
    cross: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Created]
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    planned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    phase: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """0 not planned; 1 crossings and sells planned; 2 buys planned (after the sells)."""
    trade_date: Mapped[date | None]
    last_event: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """How many progress events the batch has notified (`batches.events`)."""


class BatchParticipant(Base):
    """A subscription in a batch; `open` while the batch is, so a subscription is in at most
    one open batch (a partial unique index)."""

    __tablename__ = "batch_participants"
    __table_args__ = (
        Index(
            "uq_batch_participants_one_open",
            "subscription_id",
            unique=True,
            postgresql_where=text("open"),
        ),
    )

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), primary_key=True)
    open: Mapped[bool] = mapped_column(Boolean, default=True)


class BatchTarget(Base):
    """The allocation table: a subscription's target quantity of a symbol after the batch."""

    __tablename__ = "batch_targets"
    __table_args__ = (CheckConstraint("target >= 0 AND holding >= 0", name="non_negative"),)

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), primary_key=True)
    symbol: Mapped[str] = mapped_column(ForeignKey("instruments.symbol"), primary_key=True)
    holding: Mapped[Shares]
    target: Mapped[Shares]
    price: Mapped[Price]


class BatchCrossing(Base):
    """An internal transfer recorded with the plan."""

    __tablename__ = "batch_crossings"

    id: Mapped[Id]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    symbol: Mapped[str] = mapped_column(ForeignKey("instruments.symbol"))
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[Shares]
    price: Mapped[Price]


class BatchOrder(Base):
    """A consolidated order of the plan; its statement is `OrderParticipant`."""

    __tablename__ = "batch_orders"
    __table_args__ = (UniqueConstraint("batch_id", "symbol", "side"),)

    id: Mapped[Id]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    symbol: Mapped[str] = mapped_column(ForeignKey("instruments.symbol"))
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[Shares]
    limit_price: Mapped[Price]
    status: Mapped[OrderStatus] = enum_column(OrderStatus, default=OrderStatus.PLANNED)
    final_reason: Mapped[str | None] = mapped_column(String(200))
    allocated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrderParticipant(Base):
    """One line of an order's pre-trade allocation statement."""

    __tablename__ = "order_participants"
    __table_args__ = (CheckConstraint("quantity > 0", name="positive"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("batch_orders.id"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), primary_key=True)
    quantity: Mapped[Shares]


class OrderSlice(Base):
    """One broker order of a consolidated order, with the client tag it is sent under."""

    __tablename__ = "order_slices"
    __table_args__ = (UniqueConstraint("order_id", "seq"),)

    id: Mapped[Id]
    order_id: Mapped[int] = mapped_column(ForeignKey("batch_orders.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[Shares]
    send_after_ms: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    tag: Mapped[str] = mapped_column(String(20), unique=True)
    broker_order_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[SliceStatus] = enum_column(SliceStatus, default=SliceStatus.PLANNED)
    message: Mapped[str | None] = mapped_column(String(300))


class BrokerTrade(Base):
    """One trade reported by the broker, recorded once per order (a broker's trade number is
    the exchange's, unique within a day, not forever)."""

    __tablename__ = "broker_trades"
    __table_args__ = (
        CheckConstraint("quantity > 0 AND price > 0", name="positive"),
        UniqueConstraint("order_id", "broker_trade_id"),
    )

    id: Mapped[Id]
    broker_trade_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("batch_orders.id"), index=True)
    slice_id: Mapped[int | None] = mapped_column(ForeignKey("order_slices.id"))
    quantity: Mapped[Shares]
    price: Mapped[Price]
    traded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[Created]


class StrayTrade(Base):
    """A broker trade of an order under a tag Saras no longer trades under (an attempt the
    broker showed only after its slice was sent again or given up), recorded once with the
    entry that booked it to the house."""

    __tablename__ = "stray_trades"
    __table_args__ = (UniqueConstraint("broker_order_id", "broker_trade_id"),)

    id: Mapped[Id]
    broker_order_id: Mapped[str] = mapped_column(String(64))
    broker_trade_id: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str] = mapped_column(String(20))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[Shares]
    price: Mapped[Price]
    traded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))


class BatchSkip(Base):
    """Part of a change the plan left out (small change, or not enough cash)."""

    __tablename__ = "batch_skips"

    id: Mapped[Id]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    symbol: Mapped[str] = mapped_column(ForeignKey("instruments.symbol"))
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[Shares]
    reason: Mapped[str] = mapped_column(String(32))


class OrderAllocation(Base):
    """What a final order gave one subscription (shares, value, charges), beside the ledger
    entries that carry the same amounts."""

    __tablename__ = "order_allocations"

    order_id: Mapped[int] = mapped_column(ForeignKey("batch_orders.id"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), primary_key=True)
    requested: Mapped[Shares]
    quantity: Mapped[Shares]
    value: Mapped[Money]
    charges: Mapped[Money]
    stt: Mapped[Money]
    components: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    """The charges allocated to the participant by component (rupees as strings)."""


class AllocationNote(Base):
    """What one subscription received from one batch, written once when the batch ended:
    the investor's counterpart of a contract note (append-only)."""

    __tablename__ = "allocation_notes"

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[Created]
