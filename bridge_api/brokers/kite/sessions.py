"""The daily Kite session: login, the access token (encrypted at rest) and its end.

A human logs in once a day; the redirect brings a single-use request token, exchanged with the
checksum sha256(api_key + request_token + api_secret) (the client computes it) for an access
token that stops working at 06:00 IST the next day. One session is current at a time: a new
login ends the previous one, and a 403 from Kite ends it early, halts trading and alerts the
operator until the next login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from cryptography.fernet import Fernet, InvalidToken
from kiteconnect import KiteConnect
from kiteconnect import exceptions as kite_errors
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bridge_api.brokers.kite.throttle import app_throttles
from bridge_api.calendar import IST
from bridge_api.config import Settings, get_settings
from bridge_api.db.models import KiteLoginRequest, KiteSession
from bridge_api.errors import Conflict, Unauthorized, Unavailable
from bridge_api.notifications.alerts import raise_alert

EXPIRY = time(6, 0)
LOGIN_REQUEST_LIFETIME = timedelta(minutes=10)


class NoKiteSession(Conflict):
    """No valid Kite login: the operator must log in (``saras kite login``)."""


class LoginFailed(Unauthorized):
    """Kite refused the request token (expired, used, or the checksum did not match)."""


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """The current login, with its token decrypted."""

    id: int
    api_key: str
    user_id: str
    access_token: str
    login_time: datetime
    expires_at: datetime


def expiry_after(login_time: datetime) -> datetime:
    """When a token issued at `login_time` stops working: the next 06:00 IST."""
    local = login_time.astimezone(IST)
    ends = datetime.combine(local.date(), EXPIRY, tzinfo=IST)
    return ends if local < ends else ends + timedelta(days=1)


def client(settings: Settings | None = None, access_token: str | None = None) -> KiteConnect:
    """A `KiteConnect` for the configured app and root (the fake server's, in tests)."""
    settings = settings or get_settings()
    if settings.kite_api_key is None:
        raise NoKiteSession("set SARAS_KITE_API_KEY (the Kite app's api key)")
    return KiteConnect(
        settings.kite_api_key,
        access_token=access_token,
        root=settings.kite_root,
        timeout=settings.kite_timeout,
    )


def is_loopback(root: str) -> bool:
    """Whether `root` is this machine (a fake Kite server, never real money)."""
    host = urlsplit(root).hostname or ""
    return host in {"localhost", "::1"} or host.startswith("127.")


def login_url(session: Session, settings: Settings | None = None) -> str:
    """Kite's login page for this app, carrying a single-use state for the bridge callback."""
    state = secrets.token_urlsafe(24)
    session.add(KiteLoginRequest(state=state))
    session.flush()
    base = client(settings).login_url()
    return f"{base}&{urlencode({'redirect_params': urlencode({'state': state})})}"


def take_login_state(session: Session, state: str, now: datetime) -> None:
    """Use a callback's state once; refuse unknown, used or stale ones."""
    request = session.get(KiteLoginRequest, state, with_for_update=True)
    if (
        request is None
        or request.used_at is not None
        or now - request.created_at > LOGIN_REQUEST_LIFETIME
    ):
        raise LoginFailed("unknown, used or expired login state: start the login again")
    request.used_at = now


def complete_login(
    session: Session, request_token: str, *, settings: Settings | None = None
) -> ActiveSession:
    """Exchange the request token for an access token and make it the current session."""
    settings = settings or get_settings()
    secret = settings.kite_secret()
    kite = client(settings)
    limit = app_throttles(str(kite.api_key))[1]
    try:
        data: dict[str, Any] = limit.call(
            lambda: kite.generate_session(request_token, api_secret=secret)
        )
    except kite_errors.NetworkException as error:
        raise Unavailable(f"Kite's gateway did not answer the login: {error}") from error
    except kite_errors.KiteException as error:
        raise LoginFailed(f"Kite refused the login: {error}") from error
    except requests.RequestException as error:
        raise Unavailable(f"Kite did not answer the login ({type(error).__name__})") from error
    login_time = _aware(data["login_time"])
    end_current(session, "replaced by a new login")
    row = KiteSession(
        api_key=settings.kite_api_key or "",
        user_id=str(data["user_id"]),
        token_ciphertext=_fernet(settings).encrypt(str(data["access_token"]).encode()),
        login_time=login_time,
        expires_at=expiry_after(login_time),
    )
    session.add(row)
    session.flush()
    return _active(row, str(data["access_token"]))


def current(
    session: Session, *, now: datetime | None = None, settings: Settings | None = None
) -> ActiveSession | None:
    """The session that is valid now, if any."""
    settings = settings or get_settings()
    now = now or datetime.now(IST)
    row = session.execute(
        select(KiteSession)
        .where(
            KiteSession.ended_at.is_(None),
            KiteSession.expires_at > now,
            KiteSession.api_key == (settings.kite_api_key or ""),
        )
        .order_by(KiteSession.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    try:
        token = _fernet(settings).decrypt(row.token_ciphertext).decode()
    except InvalidToken:
        return None
    return _active(row, token)


def latest(session: Session) -> KiteSession | None:
    """The newest session row, valid or not (for ``saras kite status``)."""
    return session.execute(
        select(KiteSession).order_by(KiteSession.id.desc()).limit(1)
    ).scalar_one_or_none()


def connected_client(session: Session, settings: Settings | None = None) -> KiteConnect:
    """A client holding the current access token; `NoKiteSession` when there is none."""
    settings = settings or get_settings()
    active = current(session, settings=settings)
    if active is None:
        raise NoKiteSession("no valid Kite session: log in with `saras kite login`")
    return client(settings, active.access_token)


def end_current(session: Session, reason: str, *, session_id: int | None = None) -> int:
    """End the open sessions (a new login, a logout), or only `session_id`; returns how many
    were open."""
    query = update(KiteSession).where(KiteSession.ended_at.is_(None))
    if session_id is not None:
        query = query.where(KiteSession.id == session_id)
    result = session.execute(query.values(ended_at=datetime.now(IST), end_reason=reason[:300]))
    return int(getattr(result, "rowcount", 0) or 0)


def session_lost(session: Session, reason: str, *, session_id: int | None = None) -> None:
    """Kite refused the token (expired at 06:00, or logged out): end that session (not a newer
    login) and alert the operator."""
    if end_current(session, reason, session_id=session_id):
        raise_alert(
            session,
            "kite_session",
            f"Kite session ended ({reason}); trading is halted until `saras kite login`",
            reason=reason,
        )


def _active(row: KiteSession, token: str) -> ActiveSession:
    return ActiveSession(
        id=row.id,
        api_key=row.api_key,
        user_id=row.user_id,
        access_token=token,
        login_time=row.login_time,
        expires_at=row.expires_at,
    )


def _fernet(settings: Settings) -> Fernet:
    return Fernet(settings.token_encryption_key().encode())


def _aware(value: object) -> datetime:
    """Kite's login_time (naive IST, parsed by the client, or a string) as an aware time."""
    if isinstance(value, datetime):
        stamp = value
    else:
        stamp = datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=IST)
