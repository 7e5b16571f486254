"""The daily Kite session: login with the checksum, the token encrypted at rest, its 06:00
expiry, a new login replacing the old, and a refused token ending it with an alert."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bridge_api.brokers.kite import sessions
from bridge_api.calendar import IST
from bridge_api.db.models import Alert, KiteSession


def test_a_login_stores_the_token_encrypted_with_its_expiry(session, fake, kite_settings):
    active = sessions.complete_login(session, fake.issue_request_token())

    row = session.get(KiteSession, active.id)
    assert active.access_token.encode() not in row.token_ciphertext
    assert row.expires_at == sessions.expiry_after(row.login_time)
    assert sessions.current(session) == active
    assert sessions.connected_client(session).profile()["user_id"] == active.user_id


def test_a_request_token_works_once_and_a_wrong_secret_is_refused(
    session, fake, kite_settings, monkeypatch
):
    token = fake.issue_request_token()
    sessions.complete_login(session, token)

    with pytest.raises(sessions.LoginFailed):
        sessions.complete_login(session, token)
    monkeypatch.setattr(kite_settings, "kite_api_secret", type(kite_settings.kite_api_secret)("x"))
    with pytest.raises(sessions.LoginFailed, match="Kite refused"):
        sessions.complete_login(session, fake.issue_request_token(), settings=kite_settings)


def test_a_new_login_ends_the_previous_session(session, fake, kite_settings):
    first = sessions.complete_login(session, fake.issue_request_token())
    second = sessions.complete_login(session, fake.issue_request_token())

    assert sessions.current(session) == second
    assert session.get(KiteSession, first.id).end_reason == "replaced by a new login"


def test_a_refused_session_ends_it_and_alerts_the_operator(session, fake, kite_settings):
    sessions.complete_login(session, fake.issue_request_token())

    sessions.session_lost(session, "HTTP 403 TokenException")
    sessions.session_lost(session, "again")

    assert sessions.current(session) is None
    alerts = session.execute(select(Alert).where(Alert.kind == "kite_session")).scalars().all()
    assert len(alerts) == 1
    assert "saras kite login" in alerts[0].message
    with pytest.raises(sessions.NoKiteSession):
        sessions.connected_client(session)


def test_an_expired_session_is_not_current(session, fake, kite_settings):
    active = sessions.complete_login(session, fake.issue_request_token())

    assert sessions.current(session, now=active.expires_at - timedelta(seconds=1)) is not None
    assert sessions.current(session, now=active.expires_at) is None


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)))
def test_a_token_expires_at_the_next_0600_ist(naive):
    login = naive.replace(tzinfo=IST)

    ends = sessions.expiry_after(login)

    local = ends.astimezone(IST)
    assert (local.hour, local.minute, local.second, local.microsecond) == (6, 0, 0, 0)
    assert timedelta(0) < ends - login <= timedelta(days=1)


def test_the_login_state_from_the_bridge_works_once(session, kite_settings):
    url = sessions.login_url(session)
    state = url.split("state%3D")[1]
    now = datetime.now(IST)

    sessions.take_login_state(session, state, now)
    with pytest.raises(sessions.LoginFailed):
        sessions.take_login_state(session, state, now)
    with pytest.raises(sessions.LoginFailed):
        sessions.take_login_state(session, "forged", now)
    assert url.startswith("https://kite.zerodha.com/connect/login?api_key=")


def test_a_refusal_of_an_old_token_never_ends_a_newer_login(session, fake, kite_settings):
    old = sessions.complete_login(session, fake.issue_request_token())
    new = sessions.complete_login(session, fake.issue_request_token())

    sessions.session_lost(session, "HTTP 403 TokenException", session_id=old.id)

    assert sessions.current(session) == new
    assert session.execute(select(Alert)).scalars().all() == []
