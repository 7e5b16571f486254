"""Investing habits: drift bands and the rebalances they propose, and SIPs with their runs."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id, Money, enum_column


class DriftBand(Base):
    """A smallcase's drift band: a subscription whose weight in any symbol is off its target by
    more than `band_points` percentage points is proposed a rebalance, at most once every
    `cooldown_days`."""

    __tablename__ = "drift_bands"
    __table_args__ = (
        CheckConstraint("band_points > 0 AND band_points <= 100", name="band_in_range"),
        CheckConstraint("cooldown_days >= 0", name="cooldown_non_negative"),
    )

    smallcase_id: Mapped[int] = mapped_column(ForeignKey("smallcases.id"), primary_key=True)
    band_points: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    cooldown_days: Mapped[int] = mapped_column(SmallInteger)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Created]


class ProposalStatus(enum.StrEnum):
    """Proposed until the investor accepts (a rebalance intent) or declines."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class DriftProposal(Base):
    """A rebalance proposed to an investor because their subscription drifted out of the band."""

    __tablename__ = "drift_proposals"
    __table_args__ = (Index("ix_drift_proposals_subscription", "subscription_id", "day"),)

    id: Mapped[Id]
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    day: Mapped[date]
    drift_points: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    symbol: Mapped[str] = mapped_column(String(32))
    """The symbol furthest from its target."""
    status: Mapped[ProposalStatus] = enum_column(ProposalStatus, default=ProposalStatus.PROPOSED)
    intent_id: Mapped[int | None] = mapped_column(ForeignKey("intents.id"))
    created_at: Mapped[Created]


class SipFrequency(enum.StrEnum):
    """How often a SIP invests."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"


class SipStatus(enum.StrEnum):
    """Active, paused by the investor, or stopped for good."""

    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


class Sip(Base):
    """A systematic investment into a subscription from the investor's free cash: weekly on a
    weekday, or monthly on a day of the month, moved to the next session when NSE is shut."""

    __tablename__ = "sips"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("day_of_period BETWEEN 0 AND 28", name="day_in_range"),
    )

    id: Mapped[Id]
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    amount: Mapped[Money]
    frequency: Mapped[SipFrequency] = enum_column(SipFrequency)
    day_of_period: Mapped[int] = mapped_column(SmallInteger)
    """Weekly: 0 (Monday) to 4 (Friday); monthly: 1 to 28."""
    next_on: Mapped[date]
    status: Mapped[SipStatus] = enum_column(SipStatus, default=SipStatus.ACTIVE)
    created_at: Mapped[Created]


class SipRun(Base):
    """One due date of a SIP: invested (a top-up intent) or skipped, with why."""

    __tablename__ = "sip_runs"
    __table_args__ = (UniqueConstraint("sip_id", "due_on"),)

    id: Mapped[Id]
    sip_id: Mapped[int] = mapped_column(ForeignKey("sips.id"))
    due_on: Mapped[date]
    run_on: Mapped[date]
    intent_id: Mapped[int | None] = mapped_column(ForeignKey("intents.id"))
    skipped: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[Created]
