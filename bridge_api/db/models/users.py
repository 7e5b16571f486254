"""Users, their KYC, and login attempts (for throttling)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id, enum_column


class Role(enum.StrEnum):
    """What a user may do."""

    INVESTOR = "investor"
    MANAGER = "manager"
    ADMIN = "admin"


class KycStatus(enum.StrEnum):
    """KYC moves pending -> verified or rejected, by an admin."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class User(Base):
    """A person who signs in."""

    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", func.lower(text("email")), unique=True),)

    id: Mapped[Id]
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = enum_column(Role, default=Role.INVESTOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Created]


class Kyc(Base):
    """A user's KYC details; the PAN is stored whole and only ever shown masked."""

    __tablename__ = "kyc"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    pan: Mapped[str] = mapped_column(String(10))
    legal_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date]
    status: Mapped[KycStatus] = enum_column(KycStatus, default=KycStatus.PENDING)
    submitted_at: Mapped[Created]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(500))


class LoginAttempt(Base):
    """One sign-in attempt; recent failures for an email throttle further attempts."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"),)

    id: Mapped[Id]
    email: Mapped[str] = mapped_column(String(254))
    succeeded: Mapped[bool]
    at: Mapped[Created]
