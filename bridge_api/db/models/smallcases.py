"""Smallcases and their immutable versions (symbols and weights)."""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id, enum_column


class SmallcaseStatus(enum.StrEnum):
    """A smallcase is drafted, published for investors, and may be archived."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Smallcase(Base):
    """A model portfolio owned by a manager."""

    __tablename__ = "smallcases"

    id: Mapped[Id]
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[SmallcaseStatus] = enum_column(SmallcaseStatus, default=SmallcaseStatus.DRAFT)
    created_at: Mapped[Created]


class SmallcaseVersion(Base):
    """One immutable composition of a smallcase; a change is always a new version."""

    __tablename__ = "smallcase_versions"
    __table_args__ = (UniqueConstraint("smallcase_id", "number"),)

    id: Mapped[Id]
    smallcase_id: Mapped[int] = mapped_column(ForeignKey("smallcases.id"))
    number: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Created]


class Constituent(Base):
    """A symbol and its weight in percent within one version."""

    __tablename__ = "constituents"
    __table_args__ = (CheckConstraint("weight_percent > 0", name="weight_positive"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("smallcase_versions.id"), primary_key=True)
    symbol: Mapped[str] = mapped_column(ForeignKey("instruments.symbol"), primary_key=True)
    weight_percent: Mapped[Decimal] = mapped_column(Numeric(9, 4))
