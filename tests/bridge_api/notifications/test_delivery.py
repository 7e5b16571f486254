"""Deliveries: fanned out per preferences once, sent by e-mail to a real SMTP server, by signed
webhook with retries and dead letters, and into the inbox; a delivery a dead worker left
``sending`` is sent again with the same idempotency key."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.db.models import InboxMessage, NotificationDelivery, Role, User
from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session, request_transaction
from bridge_api.notifications import delivery
from bridge_api.notifications.events import EventKind, notify
from bridge_api.notifications.preferences import update_preferences
from bridge_api.notifications.webhooks import IDEMPOTENCY_KEY, SIGNATURE, TIMESTAMP
from tests.bridge_api.factories import auth, make_user
from tests.bridge_api.notifications.conftest import Receiver

SECRET = "s3cret-for-signing-0123"


def _user(sessions: sessionmaker[Session], role: Role = Role.INVESTOR, **prefs) -> User:
    with sessions() as session, session.begin():
        user = make_user(session, role=role)
        if prefs:
            update_preferences(session, user, **prefs)
        return user


def _event(sessions: sessionmaker[Session], user: User, kind=EventKind.PAYIN_RECEIVED) -> int:
    with sessions() as session, session.begin():
        event = notify(session, kind, [user.id], amount="500.00", reference="UTR7", entry=1)
        assert event is not None
        return event.id


def _fan_out(sessions: sessionmaker[Session], event_id: int) -> dict[str, int]:
    with sessions() as session, session.begin():
        delivery.fan_out(session, event_id)
    with sessions() as session:
        rows = session.execute(
            select(NotificationDelivery).where(NotificationDelivery.event_id == event_id)
        ).scalars()
        return {row.channel: row.id for row in rows}


def _row(sessions: sessionmaker[Session], delivery_id: int) -> NotificationDelivery:
    with sessions() as session:
        return session.get_one(NotificationDelivery, delivery_id)


def _client(sessions: sessionmaker[Session]) -> TestClient:
    app = create_app()

    def committed_session() -> Iterator[Session]:
        session = sessions()
        try:
            with request_transaction(session):
                yield session
        finally:
            session.close()

    app.dependency_overrides[get_session] = committed_session
    return TestClient(app)


def test_an_event_fans_out_per_preferences_and_each_delivery_is_created_once(
    committed, notify_settings, receivers
):
    hook = Receiver()
    receivers.append(hook)
    user = _user(
        committed,
        webhook_url=hook.url,
        webhook_secret=SECRET,
        channels={"payin_received": {"email": False}},
    )
    event = _event(committed, user)

    first = _fan_out(committed, event)
    again = _fan_out(committed, event)

    assert set(first) == {"inbox", "webhook"}
    assert again == first
    with committed() as session:
        jobs = session.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'notifications.deliver'"
            )
        ).scalar_one()
    assert jobs == 2


def test_the_inbox_gets_one_message_that_the_api_lists_and_marks_read(committed, notify_settings):
    user = _user(committed)
    events = [_event(committed, user), _event(committed, user, EventKind.KYC_DECIDED)]
    for event in events:
        inbox = _fan_out(committed, event)["inbox"]
        assert delivery.deliver(committed, inbox).status == "sent"
        assert delivery.deliver(committed, inbox).status == "sent"  # again: nothing new
    headers = auth(user, committed)

    with _client(committed) as client:
        listed = client.get("/me/notifications", headers=headers).json()
        newest = listed["items"][0]["id"]
        read = client.post(f"/me/notifications/{newest}/read", headers=headers)
        after_one = client.get("/me/notifications?unread=true", headers=headers).json()
        all_read = client.post("/me/notifications/read-all", headers=headers).json()
        stranger = client.post(
            f"/me/notifications/{newest}/read", headers=auth(_user(committed), committed)
        )

    with committed() as session:
        count = session.execute(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.user_id == user.id)
        ).scalar_one()
    assert count == 2
    assert listed["unread"] == 2
    assert listed["items"][1]["title"] == "Pay-in of ₹500.00 received"
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert after_one["unread"] == 1
    assert len(after_one["items"]) == 1
    assert all_read == {"marked": 1, "unread": 0}
    assert stranger.status_code == 404


def test_an_email_reaches_the_smtp_server_once_as_text_and_html(
    committed, notify_settings, smtp_server
):
    _, mailbox = smtp_server
    user = _user(committed)
    hindi = _user(committed, language="hi")
    mails = [_fan_out(committed, _event(committed, u))["email"] for u in (user, hindi)]

    outcomes = [delivery.deliver(committed, mail).status for mail in mails]
    repeat = delivery.deliver(committed, mails[0]).status

    assert outcomes == ["sent", "sent"]
    assert repeat == "sent"
    assert len(mailbox.messages) == 2
    english, in_hindi = mailbox.messages
    assert english["To"] == user.email
    assert english["Subject"] == "Pay-in of ₹500.00 received"
    assert _row(committed, mails[0]).idempotency_key in english["Message-ID"]
    parts = {part.get_content_type(): part for part in english.walk()}
    assert "UTR7" in parts["text/plain"].get_payload(decode=True).decode()
    assert "<h2>Pay-in of ₹500.00 received</h2>" in parts["text/html"].get_payload(
        decode=True
    ).decode("utf-8")
    assert in_hindi["Subject"] == "₹500.00 प्राप्त हुए"


def _valid(request) -> bool:
    timestamp = request.headers[TIMESTAMP]
    digest = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    return request.headers[SIGNATURE] == "sha256=" + digest.hexdigest()


def test_a_webhook_failing_twice_is_retried_with_backoff_and_sent_signed_with_one_key(
    committed, notify_settings, receivers
):
    hook = Receiver(failures=2)
    receivers.append(hook)
    user = _user(committed, webhook_url=hook.url, webhook_secret=SECRET)
    webhook = _fan_out(committed, _event(committed, user))["webhook"]

    outcomes = [delivery.deliver(committed, webhook) for _ in range(3)]

    assert [o.status for o in outcomes] == ["failed", "failed", "sent"]
    assert [o.retry_in for o in outcomes] == [0.2, 0.4, None]
    key = _row(committed, webhook).idempotency_key
    assert [r.headers[IDEMPOTENCY_KEY] for r in hook.requests] == [key, key, key]
    assert len({r.body for r in hook.requests}) == 1
    assert all(_valid(r) for r in hook.requests)
    assert hook.requests[0].payload["event"] == "payin_received"
    assert _row(committed, webhook).attempts == 3
    with committed() as session:
        retries = session.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = "
                "'notifications.deliver' AND scheduled_at > now() - interval '1 minute'"
            )
        ).scalar_one()
    assert retries == 2


def test_a_webhook_that_keeps_failing_becomes_a_dead_letter_the_admin_sees_and_retries(
    committed, notify_settings, receivers
):
    hook = Receiver(failures=10**6)
    receivers.append(hook)
    admin = _user(committed, Role.ADMIN)
    user = _user(committed, webhook_url=hook.url, webhook_secret=SECRET)
    webhook = _fan_out(committed, _event(committed, user))["webhook"]

    outcomes = [delivery.deliver(committed, webhook).status for _ in range(4)]
    with _client(committed) as client:
        letters = client.get("/admin/notifications/dead-letters", headers=auth(admin, committed))
        refused = client.get("/admin/notifications/dead-letters", headers=auth(user, committed))
        hook.failures = 0
        retried = client.post(
            f"/admin/notifications/deliveries/{webhook}/retry", headers=auth(admin, committed)
        )
    healed = delivery.deliver(committed, webhook).status

    assert outcomes == ["failed", "failed", "dead", "dead"]
    assert len(hook.requests) == 4  # three attempts, then the retried one
    assert [d["id"] for d in letters.json()] == [webhook]
    assert letters.json()[0]["last_error"].startswith("HTTPError")
    assert refused.status_code == 403
    assert retried.json()["status"] == "pending"
    assert healed == "sent"


def test_a_delivery_a_dead_worker_left_sending_is_sent_again_with_the_same_key(
    committed, notify_settings, receivers
):
    hook = Receiver()
    receivers.append(hook)
    user = _user(committed, webhook_url=hook.url, webhook_secret=SECRET)
    webhook = _fan_out(committed, _event(committed, user))["webhook"]
    with committed() as session, session.begin():
        row = session.get_one(NotificationDelivery, webhook)
        row.status, row.attempts, row.updated_at = "sending", 1, datetime.now(UTC)
        key = row.idempotency_key

    outcome = delivery.deliver(committed, webhook)

    assert outcome.status == "sent"
    assert [r.headers[IDEMPOTENCY_KEY] for r in hook.requests] == [key]
    assert _row(committed, webhook).attempts == 2


def test_preferences_show_defaults_change_per_channel_and_never_show_the_secret(client, session):
    investor = make_user(session)
    headers = auth(investor)

    defaults = client.get("/me/notification-preferences", headers=headers).json()
    changed = client.put(
        "/me/notification-preferences",
        headers=headers,
        json={
            "channels": {"batch_finished": {"email": False}},
            "language": "hi",
            "webhook_url": "https://example.com/saras",
            "webhook_secret": SECRET,
        },
    )
    no_secret = client.put(
        "/me/notification-preferences",
        headers=auth(make_user(session)),
        json={"webhook_url": "https://example.com/x"},
    )
    operator_kind = client.put(
        "/me/notification-preferences",
        headers=headers,
        json={"channels": {"engine_halted": {"email": False}}},
    )

    assert set(defaults["channels"]) == {
        "order_allocated",
        "batch_finished",
        "rebalance_available",
        "kyc_decided",
        "payin_received",
        "drift_proposed",
        "sip_skipped",
        "dividend_credited",
    }
    assert all(all(c.values()) for c in defaults["channels"].values())
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["channels"]["batch_finished"] == {"email": False, "webhook": True, "inbox": True}
    assert body["language"] == "hi"
    assert body["webhook_secret_set"] is True
    assert SECRET not in changed.text
    assert no_secret.status_code == 422
    assert operator_kind.status_code == 422


@pytest.mark.parametrize("url", ["ftp://example.com/x", "not a url"])
def test_a_webhook_url_must_be_http(client, session, url):
    response = client.put(
        "/me/notification-preferences",
        headers=auth(make_user(session)),
        json={"webhook_url": url, "webhook_secret": SECRET},
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
