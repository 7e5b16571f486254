"""The events people are told about, recorded with their cause.

`notify` writes a `NotificationEvent` and defers its fan-out on the caller's connection, in
the caller's transaction: the event exists exactly when its cause was committed. The worker
then turns it into one delivery per recipient and channel (`delivery.py`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from bridge_api.db.models import NotificationEvent, Role, User
from bridge_api.notifications import jobs


class EventKind(enum.StrEnum):
    """Every kind of event; investors' first, then the operator's."""

    ORDER_ALLOCATED = "order_allocated"
    BATCH_FINISHED = "batch_finished"
    REBALANCE_AVAILABLE = "rebalance_available"
    KYC_DECIDED = "kyc_decided"
    PAYIN_RECEIVED = "payin_received"
    DRIFT_PROPOSED = "drift_proposed"
    SIP_SKIPPED = "sip_skipped"
    DIVIDEND_CREDITED = "dividend_credited"
    KITE_TOKEN_EXPIRING = "kite_token_expiring"
    KITE_TOKEN_EXPIRED = "kite_token_expired"
    RECONCILIATION_BREAK = "reconciliation_break"
    ENGINE_HALTED = "engine_halted"
    OPERATOR_ALERT = "operator_alert"


OPERATORS = "operators"
"""The audience of the operator's events: every active admin."""


def notify(
    session: Session,
    kind: EventKind,
    recipients: Iterable[int] | str,
    *,
    dedupe_key: str | None = None,
    **data: Any,
) -> NotificationEvent | None:
    """Record an event for `recipients` (user ids, or `OPERATORS`) and defer its delivery with
    the caller's transaction. With a `dedupe_key` an event already recorded under it is not
    recorded again (returns None)."""
    if isinstance(recipients, str):
        if recipients != OPERATORS:
            raise ValueError(f"unknown audience {recipients!r}")
        users = _operators(session)
    else:
        users = sorted(set(recipients))
    values = {"kind": str(kind), "recipients": users, "data": data, "dedupe_key": dedupe_key}
    statement = insert(NotificationEvent).values(**values)
    if dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    event_id = session.execute(statement.returning(NotificationEvent.id)).scalar_one_or_none()
    if event_id is None:
        return None
    if users:
        jobs.enqueue(session, jobs.fan_out, event_id=event_id)
    return session.get(NotificationEvent, event_id)


def _operators(session: Session) -> list[int]:
    return list(
        session.execute(
            select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
        ).scalars()
    )
