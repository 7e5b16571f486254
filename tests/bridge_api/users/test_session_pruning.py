"""Pruning sign-in sessions and refresh tokens a retention after they can no longer be used,
keeping the record of a replayed refresh token."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.db.models import AuthSession, RefreshToken
from bridge_api.schedule import runs
from bridge_api.users.sessions import REUSED, prune
from tests.bridge_api.factories import make_user

NOW = datetime(2026, 12, 31, 12, tzinfo=UTC)
RETENTION = timedelta(days=30)  # so the cutoff is 1 December


def _day(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def _sign_in(session: Session, user_id: int, name: str, started: datetime, **ended) -> str:
    session.add(AuthSession(id=name, user_id=user_id, started_at=started, **ended))
    session.flush()
    return name


def _token(session: Session, session_id: str, expires: datetime, name: str) -> str:
    session.add(RefreshToken(jti=name, session_id=session_id, expires_at=expires))
    session.flush()
    return name


def _left(session: Session) -> tuple[set[str], set[str]]:
    sessions = set(session.execute(select(AuthSession.id)).scalars())
    tokens = set(session.execute(select(RefreshToken.jti)).scalars())
    return sessions, tokens


def test_prune_deletes_what_cannot_sign_in_past_the_retention_and_keeps_the_rest(
    session: Session,
):
    user = make_user(session).id
    old_end = _sign_in(session, user, "ended-nov", _day(10, 1), ended_at=_day(11, 1))
    _token(session, old_end, _day(12, 20), "t-of-ended-nov")  # unexpired, but its session ended
    new_end = _sign_in(session, user, "ended-dec", _day(11, 20), ended_at=_day(12, 10))
    _token(session, new_end, _day(11, 27), "t-of-ended-dec")  # the session stays till January
    abandoned = _sign_in(session, user, "abandoned", _day(10, 1))
    _token(session, abandoned, _day(10, 8), "t-abandoned")
    live = _sign_in(session, user, "live", _day(10, 1))
    _token(session, live, _day(10, 8), "t-live-spent-long-ago")
    _token(session, live, _day(12, 5), "t-live-expired-lately")
    _token(session, live, datetime(2027, 1, 5, tzinfo=UTC), "t-live-current")
    stolen = _sign_in(session, user, "stolen", _day(10, 1), ended_at=_day(10, 2), end_reason=REUSED)
    _token(session, stolen, _day(10, 8), "t-stolen-1")
    _token(session, stolen, _day(10, 8), "t-stolen-2")

    pruned = prune(session, NOW, RETENTION)

    assert _left(session) == (
        {"ended-dec", "live", "stolen"},
        {"t-live-expired-lately", "t-live-current", "t-stolen-1", "t-stolen-2"},
    )
    assert (pruned.sessions, pruned.refresh_tokens) == (2, 4)


def test_a_second_prune_finds_nothing_and_a_fresh_sign_in_is_untouched(session: Session):
    user = make_user(session).id
    fresh = _sign_in(session, user, uuid.uuid4().hex, NOW - timedelta(hours=1))
    _token(session, fresh, NOW + timedelta(days=7), "t-fresh")

    first = prune(session, NOW, RETENTION)
    again = prune(session, NOW, RETENTION)

    assert (first.sessions, first.refresh_tokens) == (0, 0)
    assert (again.sessions, again.refresh_tokens) == (0, 0)
    assert _left(session) == ({fresh}, {"t-fresh"})


def test_the_days_session_pruning_job_prunes_the_database(committed):
    now = datetime.now(UTC)
    with committed() as session, session.begin():
        user = make_user(session).id
        gone = _sign_in(
            session, user, "gone", now - timedelta(days=90), ended_at=now - timedelta(days=60)
        )
        _token(session, gone, now - timedelta(days=83), "t-gone")
        kept = _sign_in(session, user, "kept", now - timedelta(days=1))
        _token(session, kept, now + timedelta(days=6), "t-kept")

    run = runs.run_by_hand(committed, "session_pruning", date(2026, 11, 19))

    assert (run.status, run.outcome) == (
        "succeeded",
        "deleted 1 sign-in sessions and 1 refresh tokens past 30 days",
    )
    with committed() as session:
        assert _left(session) == ({"kept"}, {"t-kept"})
