"""Sign-in sessions: every access token names its session, and its refresh tokens rotate
through it, each usable once. A refresh token used twice means it was copied, so the whole
session ends (the thief's pair and the owner's alike). Signing out ends one session; a
password change, a role change or deactivation ends every session of the user. `prune` (the
day's `session_pruning`) deletes what can no longer sign anyone in, a retention later."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from bridge_api.config import Settings
from bridge_api.db.models import AuthSession, RefreshToken, User
from bridge_api.errors import Unauthorized
from bridge_api.users.security import TokenPair, decode, issue_tokens

REUSED = "refresh token reused"
"""The end reason of a session whose refresh token came back after use (a copied token)."""


class RefreshReused(Unauthorized):
    """A refresh token came back after it was used: its session is ended, and that stays
    ended although the request fails."""

    commit = True


def start(session: Session, user: User, settings: Settings) -> TokenPair:
    """A new session for `user`, and its first token pair."""
    row = AuthSession(id=uuid.uuid4().hex, user_id=user.id)
    session.add(row)
    session.flush()
    return _pair(session, user, row.id, settings)


def rotate(session: Session, token: str, settings: Settings) -> TokenPair:
    """The next pair of the refresh token's session; the token is spent. A spent token
    presented again ends its session (`RefreshReused`)."""
    claims = decode(token, "refresh", settings)
    spent = session.get(RefreshToken, claims["jti"], with_for_update=True)
    if spent is None or spent.session_id != claims["sid"]:
        raise Unauthorized("the token is not valid")
    row = session.get(AuthSession, spent.session_id, with_for_update=True)
    if row is None or row.ended_at is not None:
        raise Unauthorized("this session has ended; sign in again")
    if spent.used_at is not None:
        _end(row, REUSED)
        raise RefreshReused("this refresh token was already used; the session is ended")
    user = session.get(User, row.user_id)
    if user is None or not user.active or str(user.id) != claims["sub"]:
        raise Unauthorized("the user no longer exists or is disabled")
    spent.used_at = datetime.now(UTC)
    return _pair(session, user, row.id, settings)


def user_of(session: Session, claims: dict[str, Any]) -> User:
    """The active user of an access token's claims, while its session is open (one query:
    every authenticated request asks this)."""
    user = session.execute(
        select(User)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.id == claims["sid"], AuthSession.ended_at.is_(None))
    ).scalar_one_or_none()
    if user is None or str(user.id) != claims["sub"]:
        raise Unauthorized("this session has ended; sign in again")
    if not user.active:
        raise Unauthorized("the user no longer exists or is disabled")
    return user


def end(session: Session, session_id: str, reason: str) -> None:
    """End one session (signing out)."""
    row = session.get(AuthSession, session_id, with_for_update=True)
    if row is not None and row.ended_at is None:
        _end(row, reason)


def end_all(session: Session, user_id: int, reason: str) -> int:
    """End every open session of a user; returns how many were open."""
    ended = session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC), end_reason=reason)
        .returning(AuthSession.id)
    )
    return len(ended.all())


def open_sessions(session: Session, user_id: int) -> list[AuthSession]:
    """A user's sessions that have not ended."""
    return list(
        session.execute(
            select(AuthSession).where(
                AuthSession.user_id == user_id, AuthSession.ended_at.is_(None)
            )
        ).scalars()
    )


@dataclass(frozen=True, slots=True)
class Pruned:
    """What `prune` deleted."""

    sessions: int
    refresh_tokens: int


def prune(session: Session, now: datetime, retention: timedelta) -> Pruned:
    """Delete what can no longer sign anyone in, once `retention` has passed since it stopped.

    Refresh tokens that expired before ``now - retention`` go (an expired token is refused by
    its signature's expiry before its row is read, so a spent one no longer needs its row to be
    caught when replayed), and so do sessions that ended before then, or that never ended but
    started before then and hold no refresh token expiring after it (abandoned: their access
    tokens expired long ago), with all their tokens. A session ended because a refresh token
    was replayed (`REUSED`) is kept with its tokens: they are the only record of which token
    was copied and when.
    """
    cutoff = now - retention
    token = aliased(RefreshToken)  # not the outer DELETE's table
    live_token = (
        exists()
        .where(token.session_id == AuthSession.id, token.expires_at >= cutoff)
        .correlate(AuthSession)
    )
    stale = select(AuthSession.id).where(
        AuthSession.end_reason.is_distinct_from(REUSED),
        or_(
            AuthSession.ended_at < cutoff,
            and_(AuthSession.ended_at.is_(None), AuthSession.started_at < cutoff, ~live_token),
        ),
    )
    evidence = select(AuthSession.id).where(AuthSession.end_reason == REUSED)
    tokens = session.execute(
        delete(RefreshToken)
        .where(
            or_(
                RefreshToken.session_id.in_(stale),
                and_(RefreshToken.expires_at < cutoff, RefreshToken.session_id.not_in(evidence)),
            )
        )
        .returning(RefreshToken.jti)
    )
    token_count = len(tokens.all())
    # With their tokens gone, the stale sessions are still exactly those `stale` selects.
    sessions = session.execute(
        delete(AuthSession).where(AuthSession.id.in_(stale)).returning(AuthSession.id)
    )
    return Pruned(sessions=len(sessions.all()), refresh_tokens=token_count)


def _end(row: AuthSession, reason: str) -> None:
    row.ended_at, row.end_reason = datetime.now(UTC), reason


def _pair(session: Session, user: User, session_id: str, settings: Settings) -> TokenPair:
    pair = issue_tokens(user.id, user.role, settings, session_id=session_id)
    session.add(
        RefreshToken(jti=pair.refresh_id, session_id=session_id, expires_at=pair.refresh_expires_at)
    )
    session.flush()
    return pair
