"""Instruments (tick, lot, order caps) and daily bars."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Price


class Instrument(Base):
    """A tradable NSE equity."""

    __tablename__ = "instruments"
    __table_args__ = (
        CheckConstraint("tick_size > 0", name="tick_positive"),
        CheckConstraint("lot_size >= 1", name="lot_positive"),
    )

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    exchange: Mapped[str] = mapped_column(String(8), default="NSE")
    tick_size: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    lot_size: Mapped[int] = mapped_column(Integer, default=1)
    max_order_quantity: Mapped[int | None] = mapped_column(Integer)
    lean_ticker: Mapped[str | None] = mapped_column(String(32))
    instrument_token: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    """Kite's instrument token (set by the instrument sync; needed for historical candles)."""


class Bar(Base):
    """One daily OHLCV bar."""

    __tablename__ = "bars"

    symbol: Mapped[str] = mapped_column(ForeignKey("instruments.symbol"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    open: Mapped[Price]
    high: Mapped[Price]
    low: Mapped[Price]
    close: Mapped[Price]
    volume: Mapped[int] = mapped_column(BigInteger)
