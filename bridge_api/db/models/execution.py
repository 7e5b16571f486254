"""What the execution engine shares between processes: the order-rate limiter and the lease
that lets only one engine trade the account at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Id


class RateLimiter(Base):
    """One row per broker account; locking it serialises every sender in every process."""

    __tablename__ = "rate_limiters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_before: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Orders sent today outside Saras (or before it started counting)."""
    used_on: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrderSend(Base):
    """One order placement taken from the limiter, at the database's clock."""

    __tablename__ = "order_sends"
    __table_args__ = (Index("ix_order_sends_limiter_at", "limiter", "sent_at"),)

    id: Mapped[Id]
    limiter: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )


class EngineLease(Base):
    """Who may trade the account now, until when (renewed while the engine runs)."""

    __tablename__ = "engine_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
