"""Notification events, their deliveries (one per event, channel and recipient), the in-app
inbox and each user's preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id


class NotificationEvent(Base):
    """Something that happened that people are told about; recorded in the transaction that
    caused it, with the users it concerns."""

    __tablename__ = "notification_events"

    id: Mapped[Id]
    kind: Mapped[str] = mapped_column(String(40), index=True)
    recipients: Mapped[list[int]] = mapped_column(JSONB)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[Created]


class NotificationDelivery(Base):
    """One event to one recipient on one channel: sent at most once (see
    `bridge_api.notifications.delivery`)."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "user_id", name="uq_notification_deliveries_once"),
        Index("ix_notification_deliveries_status", "status"),
    )

    id: Mapped[Id]
    event_id: Mapped[int] = mapped_column(ForeignKey("notification_events.id"))
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    address: Mapped[str] = mapped_column(String(500))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[Created]
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InboxMessage(Base):
    """A notification in a user's in-app inbox."""

    __tablename__ = "inbox_messages"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_inbox_messages_once"),
        Index("ix_inbox_messages_user_read", "user_id", "read_at"),
    )

    id: Mapped[Id]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("notification_events.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[Created]
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationPreference(Base):
    """Whether a user wants one kind of event on one channel (absent: the default)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)


class NotificationSettings(Base):
    """A user's language and webhook (its secret encrypted at rest)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(500))


__all__ = [
    "InboxMessage",
    "NotificationDelivery",
    "NotificationEvent",
    "NotificationPreference",
    "NotificationSettings",
]
