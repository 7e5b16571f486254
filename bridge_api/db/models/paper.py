"""The paper venue's own books (schema ``paper``): a simulated broker's order and trade books,
kept in PostgreSQL so that they outlive the engine process, as a real broker's do."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Id

SCHEMA = "paper"


class PaperOrder(Base):
    """An order as the simulated broker holds it."""

    __tablename__ = "orders"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[Id]
    broker_order_id: Mapped[str] = mapped_column(String(32), unique=True)
    tag: Mapped[str] = mapped_column(String(20), index=True)
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    filled: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(String(300), default="")
    session_day: Mapped[date]
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PaperTrade(Base):
    """A fill of a paper order."""

    __tablename__ = "trades"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[Id]
    trade_id: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(f"{SCHEMA}.orders.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PaperAdjustment(Base):
    """Shares the simulated depository added to or took from the account outside trading (a
    split, a bonus, a symbol change), as a real demat account shows a corporate action."""

    __tablename__ = "adjustments"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[Id]
    symbol: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
