"""A manager's backtest run: queued from the app, run once by a worker, its report kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id

RUN_STATUSES = ("queued", "running", "completed", "failed")


class BacktestRecord(Base):
    """One backtest of a smallcase: its parameters, where it stands, and what it produced
    (the summary, the daily values and the HTML report, once completed)."""

    __tablename__ = "backtest_runs"
    __table_args__ = (
        CheckConstraint(f"status IN {RUN_STATUSES}", name="status"),
        Index("ix_backtest_runs_smallcase_id", "smallcase_id", "id"),
    )

    id: Mapped[Id]
    smallcase_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("smallcases.id"))
    requested_by: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    days_done: Mapped[int] = mapped_column(Integer, default=0)
    days_total: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(1000))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    series: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    report_html: Mapped[str | None] = mapped_column(Text, deferred=True)
    created_at: Mapped[Created]
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


__all__ = ["RUN_STATUSES", "BacktestRecord"]
