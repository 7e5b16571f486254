"""Routes: the Kite login (URL and redirect callback), the session's status, and postbacks."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from bridge_api.brokers.kite import postbacks, sessions
from bridge_api.calendar import IST
from bridge_api.errors import Conflict, Invalid
from bridge_api.http.deps import Admin, SessionDep, SettingsDep

router = APIRouter(prefix="/kite", tags=["kite"])


class LoginUrlOut(BaseModel):
    """Where the operator logs in to Kite today."""

    login_url: str


class SessionOut(BaseModel):
    """The Kite session as the bridge holds it (never the token)."""

    valid: bool
    user_id: str | None = None
    login_time: datetime | None = None
    expires_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None


class PostbackOut(BaseModel):
    """Whether the postback was new (a repeat is accepted and ignored)."""

    recorded: bool


@router.get("/login")
def login_url(session: SessionDep, settings: SettingsDep, _: Admin) -> LoginUrlOut:
    """Start today's login: Kite's login URL, carrying a single-use state."""
    return LoginUrlOut(login_url=sessions.login_url(session, settings))


@router.get("/callback")
def callback(
    session: SessionDep,
    settings: SettingsDep,
    request_token: str = Query(min_length=1, max_length=128),
    state: str = Query(min_length=1, max_length=64),
    status: str = Query(default="success", max_length=32),
) -> SessionOut:
    """Kite's redirect after the login: exchange the request token for today's session."""
    if status != "success":
        raise Invalid(f"Kite reported the login as {status!r}")
    sessions.take_login_state(session, state, datetime.now(IST))
    active = sessions.complete_login(session, request_token, settings=settings)
    return SessionOut(
        valid=True,
        user_id=active.user_id,
        login_time=active.login_time,
        expires_at=active.expires_at,
    )


@router.get("/session")
def session_status(session: SessionDep, settings: SettingsDep, _: Admin) -> SessionOut:
    """Whether a Kite session is valid now, and when it ends."""
    active = sessions.current(session, settings=settings)
    row = sessions.latest(session)
    if row is None:
        return SessionOut(valid=False)
    return SessionOut(
        valid=active is not None and active.id == row.id,
        user_id=row.user_id,
        login_time=row.login_time,
        expires_at=row.expires_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
    )


@router.post("/postback")
async def postback(request: Request, session: SessionDep, settings: SettingsDep) -> PostbackOut:
    """An order update from Kite: verify its checksum, record it once, wake the engine."""
    try:
        secret = settings.kite_secret()
    except ValueError as error:
        raise Conflict(f"postbacks are not accepted: {error}") from error
    body = await request.body()
    payload = postbacks.parse(body, secret)
    recorded = await run_in_threadpool(postbacks.record, session, body, payload)
    return PostbackOut(recorded=recorded)
