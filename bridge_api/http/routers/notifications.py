"""Routes: the signed-in user's inbox and notification preferences; the admin's dead letters."""

from __future__ import annotations

from fastapi import APIRouter, Query

from bridge_api.http.deps import Admin, CurrentUser, SessionDep
from bridge_api.http.fields import IdPath
from bridge_api.http.schemas.notifications import (
    DeliveryOut,
    InboxItemOut,
    InboxOut,
    PreferencesIn,
    PreferencesOut,
    ReadAllOut,
)
from bridge_api.notifications import delivery, inbox
from bridge_api.notifications.preferences import preferences, update_preferences

router = APIRouter(tags=["notifications"])


@router.get("/me/notifications")
def my_notifications(
    user: CurrentUser,
    session: SessionDep,
    unread: bool = False,
    limit: int = Query(default=50, ge=1, le=200),
) -> InboxOut:
    """The inbox, newest first (only the unread with ``unread=true``), and the unread count."""
    items = inbox.messages(session, user, unread_only=unread, limit=limit)
    return InboxOut(
        unread=inbox.unread_count(session, user),
        items=[InboxItemOut.model_validate(item) for item in items],
    )


@router.post("/me/notifications/{notification_id}/read")
def read_one(notification_id: IdPath, user: CurrentUser, session: SessionDep) -> InboxItemOut:
    """Mark one notification read (again changes nothing)."""
    return InboxItemOut.model_validate(inbox.mark_read(session, user, notification_id))


@router.post("/me/notifications/read-all")
def read_all(user: CurrentUser, session: SessionDep) -> ReadAllOut:
    """Mark every notification read."""
    marked = inbox.mark_all_read(session, user)
    return ReadAllOut(marked=marked, unread=inbox.unread_count(session, user))


@router.get("/me/notification-preferences")
def my_preferences(user: CurrentUser, session: SessionDep) -> PreferencesOut:
    """Which channels each kind of event reaches, the language, the webhook."""
    return PreferencesOut.model_validate(preferences(session, user), from_attributes=True)


@router.put("/me/notification-preferences")
def change_preferences(
    body: PreferencesIn, user: CurrentUser, session: SessionDep
) -> PreferencesOut:
    """Change the preferences given; a webhook needs a signing secret (16+ characters)."""
    changed = update_preferences(
        session,
        user,
        channels=None
        if body.channels is None
        else {
            kind: {str(c): on for c, on in chosen.items()} for kind, chosen in body.channels.items()
        },
        language=body.language,
        webhook_url=body.webhook_url,
        webhook_secret=body.webhook_secret,
        clear_webhook=body.clear_webhook,
    )
    return PreferencesOut.model_validate(changed, from_attributes=True)


@router.get("/admin/notifications/dead-letters")
def dead_letters(_: Admin, session: SessionDep) -> list[DeliveryOut]:
    """Deliveries given up on after their last attempt, newest first."""
    return [DeliveryOut.model_validate(row) for row in delivery.dead_letters(session)]


@router.post("/admin/notifications/deliveries/{delivery_id}/retry")
def retry(delivery_id: IdPath, _: Admin, session: SessionDep) -> DeliveryOut:
    """Send a dead letter again (same idempotency key, attempts start over)."""
    return DeliveryOut.model_validate(delivery.retry_dead_letter(session, delivery_id))
