"""The operator's day: the scheduled jobs and each day's run of each, claimed once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id


class ScheduleJob(Base):
    """A job of the operator's day, as the scheduler first saw it (its runs start then)."""

    __tablename__ = "schedule_jobs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    since: Mapped[Created]


class ScheduleRun(Base):
    """One run of a job for one day: claimed once (the unique key), by a scheduler or by hand,
    or recorded as skipped or missed."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("job", "scheduled_for", name="uq_schedule_runs_once"),)

    id: Mapped[Id]
    job: Mapped[str] = mapped_column(String(40))
    scheduled_for: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(1000))
    late_seconds: Mapped[int | None] = mapped_column(BigInteger)


__all__ = ["ScheduleJob", "ScheduleRun"]
