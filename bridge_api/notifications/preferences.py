"""Each user's choice of channel per kind of event, their language and their webhook.

Unset, every channel is on: the inbox always reaches the user, e-mail goes to their address
when the server has SMTP configured, and a webhook only once the user has given its URL.
The webhook's signing secret is stored encrypted (the key that encrypts Kite tokens).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from bridge_api.config import Settings, get_settings
from bridge_api.db.models import NotificationPreference, NotificationSettings, Role, User
from bridge_api.errors import Invalid
from bridge_api.notifications.events import EventKind

CHANNELS = ("email", "webhook", "inbox")
INVESTOR_KINDS = (
    EventKind.ORDER_ALLOCATED,
    EventKind.BATCH_FINISHED,
    EventKind.REBALANCE_AVAILABLE,
    EventKind.KYC_DECIDED,
    EventKind.PAYIN_RECEIVED,
    EventKind.DRIFT_PROPOSED,
    EventKind.SIP_SKIPPED,
    EventKind.DIVIDEND_CREDITED,
)
OPERATOR_KINDS = (
    EventKind.KITE_TOKEN_EXPIRING,
    EventKind.KITE_TOKEN_EXPIRED,
    EventKind.RECONCILIATION_BREAK,
    EventKind.ENGINE_HALTED,
    EventKind.OPERATOR_ALERT,
)


@dataclass(frozen=True, slots=True)
class Preferences:
    """A user's notification preferences, as the API shows them (never the secret)."""

    language: str
    webhook_url: str | None
    webhook_secret_set: bool
    channels: dict[str, dict[str, bool]]


def kinds_for(user: User) -> tuple[EventKind, ...]:
    """The kinds of event a user can receive."""
    return INVESTOR_KINDS + OPERATOR_KINDS if user.role is Role.ADMIN else INVESTOR_KINDS


def preferences(session: Session, user: User) -> Preferences:
    """`user`'s preferences, defaults filled in."""
    chosen = _chosen(session, user.id)
    row = session.get(NotificationSettings, user.id)
    return Preferences(
        language=row.language if row else "en",
        webhook_url=row.webhook_url if row else None,
        webhook_secret_set=bool(row and row.webhook_secret),
        channels={
            str(kind): {c: chosen.get((str(kind), c), True) for c in CHANNELS}
            for kind in kinds_for(user)
        },
    )


def update_preferences(
    session: Session,
    user: User,
    *,
    channels: Mapping[str, Mapping[str, bool]] | None = None,
    language: str | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    clear_webhook: bool = False,
) -> Preferences:
    """Change what is given; what is not given stays as it was."""
    allowed = {str(k) for k in kinds_for(user)}
    for kind, choices in (channels or {}).items():
        if kind not in allowed:
            raise Invalid(f"unknown kind of notification: {kind!r}", errors=[{"field": kind}])
        for channel, enabled in choices.items():
            if channel not in CHANNELS:
                raise Invalid(f"unknown channel: {channel!r}", errors=[{"field": channel}])
            session.execute(
                insert(NotificationPreference)
                .values(user_id=user.id, kind=kind, channel=channel, enabled=enabled)
                .on_conflict_do_update(
                    index_elements=["user_id", "kind", "channel"], set_={"enabled": enabled}
                )
            )
    row = session.get(NotificationSettings, user.id, with_for_update=True)
    if row is None:
        row = NotificationSettings(user_id=user.id, language="en")
        session.add(row)
    if language is not None:
        if language not in ("en", "hi"):
            raise Invalid("language is en or hi", errors=[{"field": "language"}])
        row.language = language
    if clear_webhook:
        row.webhook_url = row.webhook_secret = None
    if webhook_url is not None:
        _check_url(webhook_url)
        if not (webhook_secret or row.webhook_secret):
            raise Invalid(
                "a webhook needs a secret to sign with", errors=[{"field": "webhook_secret"}]
            )
        row.webhook_url = webhook_url
    if webhook_secret is not None:
        if len(webhook_secret) < 16:
            raise Invalid("a webhook secret has at least 16 characters")
        row.webhook_secret = _fernet(get_settings()).encrypt(webhook_secret.encode()).decode()
    session.flush()
    return preferences(session, user)


def wanted(session: Session, user: User, kind: str) -> list[tuple[str, str]]:
    """The (channel, address) pairs an event of `kind` goes to for `user`, now."""
    chosen = _chosen(session, user.id)
    row = session.get(NotificationSettings, user.id)
    addresses = {
        "inbox": f"user:{user.id}",
        "email": user.email if get_settings().smtp_host else None,
        "webhook": row.webhook_url if row else None,
    }
    return [
        (channel, address)
        for channel in CHANNELS
        if (address := addresses[channel]) and chosen.get((kind, channel), True)
    ]


def language_of(session: Session, user_id: int) -> str:
    """The language a user reads notifications in."""
    row = session.get(NotificationSettings, user_id)
    return row.language if row else "en"


def webhook_secret(session: Session, user_id: int) -> str | None:
    """The user's webhook secret, decrypted."""
    row = session.get(NotificationSettings, user_id)
    if row is None or row.webhook_secret is None:
        return None
    return _fernet(get_settings()).decrypt(row.webhook_secret.encode()).decode()


def _chosen(session: Session, user_id: int) -> dict[tuple[str, str], bool]:
    rows = session.execute(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    ).scalars()
    return {(r.kind, r.channel): r.enabled for r in rows}


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a bad port raises here)
    except ValueError as error:
        raise Invalid(f"not a URL: {error}", errors=[{"field": "webhook_url"}]) from error
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("a webhook URL is http(s)://host/...", errors=[{"field": "webhook_url"}])
    if get_settings().environment == "prod" and parts.scheme != "https":
        raise Invalid("webhooks use https in production", errors=[{"field": "webhook_url"}])


def _fernet(settings: Settings) -> Fernet:
    return Fernet(settings.token_encryption_key().encode())
