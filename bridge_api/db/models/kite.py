"""The Kite Connect side: the daily session, postbacks, the day's snapshots, charge true-ups,
reconciliation reports and operator alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id, Money


class KiteSession(Base):
    """One day's Kite login: the access token (encrypted at rest) and when it stops working."""

    __tablename__ = "kite_sessions"

    id: Mapped[Id]
    api_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    token_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    login_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[Created]


class KiteLoginRequest(Base):
    """A login started from the bridge: the state the redirect must bring back, used once."""

    __tablename__ = "kite_login_requests"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[Created]
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class KitePostback(Base):
    """An order update Kite posted (checksum verified), recorded once per distinct body."""

    __tablename__ = "kite_postbacks"

    id: Mapped[Id]
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str | None] = mapped_column(String(64))
    filled_quantity: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[Created]


class KiteSnapshot(Base):
    """The day's order book and trade book as Kite last showed them (kept past the token)."""

    __tablename__ = "kite_snapshots"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    orders: Mapped[list[Any]] = mapped_column(JSONB)
    trades: Mapped[list[Any]] = mapped_column(JSONB)


class ChargesTrueUp(Base):
    """A day's charges: the allocator's estimate against Kite's contract note."""

    __tablename__ = "charges_true_ups"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    estimated: Mapped[Money]
    actual: Mapped[Money]
    difference: Mapped[Money]
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[Created]


class ReconciliationReport(Base):
    """One comparison of the books (every sub-ledger plus the house) with the broker."""

    __tablename__ = "reconciliation_reports"

    id: Mapped[Id]
    scope: Mapped[str] = mapped_column(String(16))
    """``shares`` (after a batch) or ``full`` (shares and cash, after the close)."""
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    matches: Mapped[bool]
    report: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[Created]


class Alert(Base):
    """Something the operator must see (a halted session, a reconciliation difference)."""

    __tablename__ = "alerts"

    id: Mapped[Id]
    kind: Mapped[str] = mapped_column(String(32), index=True)
    message: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[Created]
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class KiteModification(Base):
    """How many times Saras modified a Kite order (Kite allows 25)."""

    __tablename__ = "kite_modifications"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


__all__ = [
    "Alert",
    "ChargesTrueUp",
    "KiteLoginRequest",
    "KiteModification",
    "KitePostback",
    "KiteSession",
    "KiteSnapshot",
    "ReconciliationReport",
]
