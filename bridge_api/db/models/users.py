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
    """A user's KYC details; the PAN is stored whole and only ever shown masked. One PAN is
    verified for one user at most."""

    __tablename__ = "kyc"
    __table_args__ = (
        Index(
            "uq_kyc_verified_pan",
            "pan",
            unique=True,
            postgresql_where=text("status = 'verified'"),
        ),
    )

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


class AuthSession(Base):
    """One sign-in and the chain of refresh tokens it rotates through; every access token
    names it, so ending it (sign-out, a reused refresh token, a password or role change,
    deactivation) ends them all at once."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_user_open", "user_id", "ended_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[Created]
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(64))


class RefreshToken(Base):
    """A refresh token issued (by its id, never the token): usable once."""

    __tablename__ = "refresh_tokens"

    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("auth_sessions.id"), index=True)
    issued_at: Mapped[Created]
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
