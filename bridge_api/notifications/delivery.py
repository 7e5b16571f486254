"""Delivering an event: fan-out into deliveries, then each delivery sent once.

A delivery is unique per (event, channel, recipient), so fanning an event out again (a worker
that died mid-fan-out, its job retried) creates nothing twice. Sending follows one protocol:

1. In a transaction: lock the delivery; if it is ``sent`` or ``dead``, stop. Record
   ``sending`` (attempts + 1) and commit, before anything leaves.
2. Send, outside any transaction, with the delivery's idempotency key.
3. In a transaction: record ``sent``; or, on failure, ``failed`` and a retry deferred after an
   exponential backoff, or ``dead`` (a dead letter the admin sees) after the last attempt.

A worker killed between 1 and 3 leaves ``sending``; the job is retried (stalled jobs of dead
workers are retried by every live worker) and sends again with the same key. A webhook
receiver drops the repeat by its ``X-Saras-Idempotency-Key``; an e-mail is sent again with the
same Message-ID (SMTP has no idempotency: a repeat is possible only if the worker died after
the server took the message and before ``sent`` was committed, and mail clients show one
message per Message-ID). The inbox is written in the same transaction as ``sent``: exactly once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.config import get_settings
from bridge_api.db.models import (
    InboxMessage,
    NotificationDelivery,
    NotificationEvent,
    User,
)
from bridge_api.errors import Conflict, NotFound
from bridge_api.notifications import email, jobs, webhooks
from bridge_api.notifications.email import PermanentFailure
from bridge_api.notifications.preferences import language_of, wanted, webhook_secret
from bridge_api.notifications.templates import render

log = logging.getLogger(__name__)
DONE = ("sent", "dead")


def fan_out(session: Session, event_id: int) -> list[int]:
    """Create the event's deliveries that do not exist yet (per the recipients' preferences
    now) and defer a send for each one created; returns their ids."""
    event = session.get(NotificationEvent, event_id)
    if event is None:
        raise NotFound(f"no notification event {event_id}")
    created = []
    for user in session.execute(select(User).where(User.id.in_(event.recipients))).scalars():
        if not user.active:
            continue
        for channel, address in wanted(session, user, event.kind):
            delivery_id = session.execute(
                insert(NotificationDelivery)
                .values(
                    event_id=event.id,
                    channel=channel,
                    user_id=user.id,
                    address=address[:500],
                    idempotency_key=f"ntf_{event.id}_{channel}_{user.id}_" + secrets.token_hex(6),
                    status="pending",
                    attempts=0,
                )
                .on_conflict_do_nothing(constraint="uq_notification_deliveries_once")
                .returning(NotificationDelivery.id)
            ).scalar_one_or_none()
            if delivery_id is not None:
                created.append(delivery_id)
                _defer(session, delivery_id)
    return created


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one send did: the delivery's status afterwards, and the retry's delay if any."""

    status: str
    retry_in: float | None = None


def deliver(sessions: sessionmaker[Session], delivery_id: int) -> Outcome:
    """Send one delivery per the protocol above."""
    with sessions() as session, session.begin():
        row = session.get(NotificationDelivery, delivery_id, with_for_update=True)
        if row is None:
            raise NotFound(f"no delivery {delivery_id}")
        if row.status in DONE:
            return Outcome(row.status)
        event = session.get_one(NotificationEvent, row.event_id)
        message = render(
            event.kind, event.data, user_id=row.user_id, language=language_of(session, row.user_id)
        )
        if row.channel == "inbox":
            session.execute(
                insert(InboxMessage)
                .values(
                    user_id=row.user_id,
                    event_id=event.id,
                    kind=event.kind,
                    title=message.title,
                    body=message.text,
                )
                .on_conflict_do_nothing(constraint="uq_inbox_messages_once")
            )
            _mark(row, "sent")
            return Outcome("sent")
        if row.status == "sending":
            log.warning(
                "delivery %s was sending when its worker stopped: sending again with key %s",
                row.id,
                row.idempotency_key,
            )
        _mark(row, "sending")
        row.attempts += 1
        secret = webhook_secret(session, row.user_id) if row.channel == "webhook" else None
        payload = {
            "id": row.idempotency_key,
            "event": event.kind,
            "event_id": event.id,
            "created_at": event.created_at.isoformat(),
            "title": message.title,
            "text": message.text,
            "data": event.data,
        }
        channel, address, key = row.channel, row.address, row.idempotency_key
        attempts = row.attempts
    settings = get_settings()
    try:
        if channel == "email":
            email.send_email(settings, address, message, key)
        else:
            if secret is None:
                raise PermanentFailure("the user's webhook has no secret")
            webhooks.post(address, secret, payload, key, timeout=settings.webhook_timeout)
    except Exception as error:  # any failure to send is the delivery's outcome
        return _failed(sessions, delivery_id, attempts, error)
    with sessions() as session, session.begin():
        row = session.get_one(NotificationDelivery, delivery_id, with_for_update=True)
        _mark(row, "sent")
        row.last_error = None
    log.info("delivery %s sent by %s to %s", delivery_id, channel, address)
    return Outcome("sent")


def _failed(
    sessions: sessionmaker[Session], delivery_id: int, attempts: int, error: Exception
) -> Outcome:
    settings = get_settings()
    permanent = isinstance(error, PermanentFailure)
    with sessions() as session, session.begin():
        row = session.get_one(NotificationDelivery, delivery_id, with_for_update=True)
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        if permanent or attempts >= settings.webhook_attempts:
            _mark(row, "dead")
            log.warning("delivery %s is a dead letter: %s", delivery_id, row.last_error)
            return Outcome("dead")
        _mark(row, "failed")
        delay = settings.webhook_backoff_seconds * 2 ** (attempts - 1)
        _defer(session, delivery_id, after=delay)
    log.info("delivery %s failed (%s); retry in %.1f s", delivery_id, error, delay)
    return Outcome("failed", retry_in=delay)


def dead_letters(session: Session, limit: int = 100) -> list[NotificationDelivery]:
    """Deliveries given up on, newest first."""
    return list(
        session.execute(
            select(NotificationDelivery)
            .where(NotificationDelivery.status == "dead")
            .order_by(NotificationDelivery.id.desc())
            .limit(limit)
        ).scalars()
    )


def retry_dead_letter(session: Session, delivery_id: int) -> NotificationDelivery:
    """Send a dead letter again (its attempts start over; its idempotency key is kept)."""
    row = session.get(NotificationDelivery, delivery_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no delivery {delivery_id}")
    if row.status != "dead":
        raise Conflict(f"delivery {delivery_id} is {row.status}, not a dead letter")
    _mark(row, "pending")
    row.attempts = 0
    _defer(session, delivery_id)
    return row


def _mark(row: NotificationDelivery, status: str) -> None:
    row.status, row.updated_at = status, datetime.now(UTC)
    if status == "sent":
        row.sent_at = row.updated_at


def _defer(session: Session, delivery_id: int, *, after: float = 0.0) -> None:
    session.flush()
    jobs.enqueue(
        session,
        jobs.deliver,
        _lock=f"delivery-{delivery_id}",
        _after=timedelta(seconds=after) if after else None,
        delivery_id=delivery_id,
    )
