"""Fixtures of every test that talks to Kite: a fake Kite server listing the sample instruments
at their last closes, and settings pointing the real `kiteconnect` client at it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.fake_kite import FakeKite
from bridge_api.brokers.kite import sessions as kite_sessions
from bridge_api.config import Settings, get_settings
from bridge_api.demo.markets import last_closes
from bridge_api.demo.scenario import FIRST_DAY

API_KEY, API_SECRET = "saras_test_key", "saras_test_secret"


def list_market(fake: FakeKite, session: Session, day: date) -> dict[str, Decimal]:
    """List every instrument at its last close before `day`; returns the prices."""
    prices = {}
    for token, (symbol, tick, close) in enumerate(last_closes(session, day), start=100_001):
        fake.list_instrument(symbol, token=token, price=close, tick_size=tick)
        prices[symbol] = close
    return prices


@pytest.fixture
def fake(engine) -> Iterator[FakeKite]:
    """A running fake Kite server with the sample market at the closes before the demo day."""
    with FakeKite(api_key=API_KEY, api_secret=API_SECRET) as server, Session(engine) as session:
        list_market(server, session, FIRST_DAY)
        yield server


@pytest.fixture
def kite_settings(fake: FakeKite, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings whose Kite app is the fake server's (the client's timeout kept short)."""
    monkeypatch.setenv("SARAS_KITE_API_KEY", API_KEY)
    monkeypatch.setenv("SARAS_KITE_API_SECRET", API_SECRET)
    monkeypatch.setenv("SARAS_KITE_ROOT", fake.url)
    monkeypatch.setenv("SARAS_KITE_TIMEOUT", "1.0")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def log_in(sessions: sessionmaker[Session], fake: FakeKite) -> kite_sessions.ActiveSession:
    """Today's login, as the operator would do it, stored in the database."""
    with sessions() as session, session.begin():
        return kite_sessions.complete_login(session, fake.issue_request_token())
