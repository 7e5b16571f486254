"""Suggestions shown to a manager, kept exactly as shown so that accepting one adopts it."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id, enum_column


class SuggestionStatus(enum.StrEnum):
    """Proposed until its manager accepts it as a new version."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"


class Suggestion(Base):
    """A proposed composition for a smallcase: its weights, and the whole proposal as shown
    (reasons, backtest, turnover and charges) in `body`."""

    __tablename__ = "suggestions"

    id: Mapped[Id]
    smallcase_id: Mapped[int] = mapped_column(ForeignKey("smallcases.id"), index=True)
    based_on_version_id: Mapped[int] = mapped_column(ForeignKey("smallcase_versions.id"))
    """The version it proposes to change; accepting is refused once another has followed."""
    as_of: Mapped[date]
    weights: Mapped[dict[str, str]] = mapped_column(JSONB)
    """Symbol -> weight in percent, as a decimal string; they sum exactly to 100."""
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[SuggestionStatus] = enum_column(
        SuggestionStatus, default=SuggestionStatus.PROPOSED
    )
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    accepted_version_id: Mapped[int | None] = mapped_column(ForeignKey("smallcase_versions.id"))
    created_at: Mapped[Created]
