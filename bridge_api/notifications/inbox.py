"""The in-app inbox: a user's notifications, newest first, and their read state."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bridge_api.db.models import InboxMessage, User
from bridge_api.errors import NotFound


def messages(
    session: Session, user: User, *, unread_only: bool = False, limit: int = 50
) -> list[InboxMessage]:
    """The user's notifications, newest first."""
    query = select(InboxMessage).where(InboxMessage.user_id == user.id)
    if unread_only:
        query = query.where(InboxMessage.read_at.is_(None))
    return list(session.execute(query.order_by(InboxMessage.id.desc()).limit(limit)).scalars())


def unread_count(session: Session, user: User) -> int:
    """How many of the user's notifications are unread."""
    return int(
        session.execute(
            select(func.count())
            .select_from(InboxMessage)
            .where(InboxMessage.user_id == user.id, InboxMessage.read_at.is_(None))
        ).scalar_one()
    )


def mark_read(session: Session, user: User, message_id: int) -> InboxMessage:
    """Mark one of the user's notifications read (reading it again changes nothing)."""
    message = session.get(InboxMessage, message_id, with_for_update=True)
    if message is None or message.user_id != user.id:
        raise NotFound(f"no notification {message_id}")
    if message.read_at is None:
        message.read_at = datetime.now(UTC)
    return message


def mark_all_read(session: Session, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = session.execute(
        update(InboxMessage)
        .where(InboxMessage.user_id == user.id, InboxMessage.read_at.is_(None))
        .values(read_at=datetime.now(UTC))
    )
    return int(getattr(result, "rowcount", 0) or 0)
