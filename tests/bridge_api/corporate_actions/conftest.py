"""The demo's users and the admin's announcing and posting, shared by the corporate-action tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.corporate_actions.announcements import announce
from bridge_api.corporate_actions.posting import post_action
from bridge_api.db.models import ActionKind, User

EX = date(2026, 11, 19)
"""The session after the demo's buys: under T+1 the ex date is the record date."""


@dataclass(frozen=True)
class Admin:
    """The demo admin announcing actions with ex and record date `ex`, and posting them."""

    email: str = "admin@saras.demo"
    ex: date = EX

    def user(self, session: Session, email: str | None = None) -> User:
        """A demo user by email; the admin by default."""
        wanted = email or self.email
        return session.execute(select(User).where(User.email == wanted)).scalar_one()

    def announce(self, session: Session, kind: ActionKind, symbol: str, **details: Any) -> int:
        """Announce an action on `symbol` with ex and record date `ex`; returns its id."""
        action = announce(
            session,
            self.user(session),
            kind=kind,
            symbol=symbol,
            ex_date=self.ex,
            record_date=self.ex,
            **details,
        )
        return action.id

    def post(self, session: Session, action_id: int, **options: Any) -> None:
        """Post an announced action as the admin."""
        post_action(session, self.user(session), action_id, **options)


@pytest.fixture
def admin() -> Admin:
    return Admin()
