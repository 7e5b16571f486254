"""The request's own session as served (no override): it commits what succeeded, keeps what a
refusal must keep, rolls back the rest, and admits at most the pool's size of requests to the
database at once."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.config import get_settings
from bridge_api.db.models import LoginAttempt, Role, User
from bridge_api.http import deps
from bridge_api.http.app import create_app
from bridge_api.ledger.service import balance, investor_account
from tests.bridge_api.factories import auth, make_user


@pytest.fixture
def served(committed: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch):
    """The app with its real per-request session, on a database of the test's own."""
    monkeypatch.setattr(deps, "session_factory", lambda: committed)
    return create_app()


def _users(committed: sessionmaker[Session]) -> tuple[User, User]:
    with committed() as session, session.begin():
        admin = make_user(session, role=Role.ADMIN, email=f"a-{uuid.uuid4().hex}@example.com")
        investor = make_user(session, email=f"i-{uuid.uuid4().hex}@example.com")
    return admin, investor


def _free_cash(committed: sessionmaker[Session], user: User) -> Decimal:
    with committed() as session:
        return balance(session, investor_account(session, user.id))


def test_a_request_that_succeeds_is_committed(served, committed):
    admin, investor = _users(committed)
    with TestClient(served) as client:
        answer = client.post(
            "/cash/payin",
            headers=auth(admin, committed),
            json={"user_id": investor.id, "amount": "250.00", "reference": "UTR1"},
        )

    assert answer.status_code == 201
    assert _free_cash(committed, investor) == Decimal("250.00")


def test_a_refused_request_keeps_only_what_its_refusal_must_keep(served, committed):
    _, investor = _users(committed)
    with TestClient(served) as client:
        wrong = client.post("/login", json={"email": investor.email, "password": "not it"})
        too_much = client.post(
            "/cash/payout",
            headers=auth(_users(committed)[0], committed),
            json={"user_id": investor.id, "amount": "1.00", "reference": "UTR2"},
        )

    assert wrong.status_code == 401
    assert too_much.status_code in (400, 409, 422)
    with committed() as session:
        kept = session.execute(
            select(func.count()).where(LoginAttempt.email == investor.email.lower())
        ).scalar_one()
    assert kept == 1  # the failed attempt counts towards throttling although the request failed
    assert _free_cash(committed, investor) == Decimal("0.00")


def test_no_more_requests_reach_the_database_at_once_than_the_pool_holds(
    served, committed, monkeypatch
):
    monkeypatch.setenv("SARAS_DB_POOL_SIZE", "2")
    get_settings.cache_clear()
    admin, investor = _users(committed)
    headers = auth(admin, committed)
    pool = committed.kw["bind"].pool
    held, most, lock = 0, 0, threading.Lock()

    def out(*_: object) -> None:
        nonlocal held, most
        with lock:
            held += 1
            most = max(most, held)

    def back(*_: object) -> None:
        nonlocal held
        with lock:
            held -= 1

    event.listen(pool, "checkout", out)
    event.listen(pool, "checkin", back)
    try:
        with TestClient(served) as client, ThreadPoolExecutor(12) as threads:
            codes = list(
                threads.map(
                    lambda n: (
                        client.post(
                            "/cash/payin",
                            headers=headers,
                            json={"user_id": investor.id, "amount": "10.00", "reference": f"U{n}"},
                        ).status_code
                    ),
                    range(12),
                )
            )
    finally:
        event.remove(pool, "checkout", out)
        event.remove(pool, "checkin", back)
        get_settings.cache_clear()

    assert codes == [201] * 12
    assert most <= 2
    assert _free_cash(committed, investor) == Decimal("120.00")


def test_a_read_served_in_one_trip_checks_the_session_and_gives_its_connection_back(
    served, committed, monkeypatch
):
    monkeypatch.setenv("SARAS_DB_POOL_SIZE", "2")
    get_settings.cache_clear()
    _, investor = _users(committed)
    headers = auth(investor, committed)
    pool = committed.kw["bind"].pool
    try:
        with TestClient(served) as client, ThreadPoolExecutor(8) as threads:
            answers = list(
                threads.map(
                    lambda route: client.get(route, headers=headers), ["/me", "/portfolio"] * 6
                )
            )
            held_after = pool.checkedout()
            client.post("/logout", headers=headers)
            ended = client.get("/portfolio", headers=headers)
            unsigned = client.get("/me")
    finally:
        get_settings.cache_clear()

    assert [a.status_code for a in answers] == [200] * 12
    assert {a.json()["email"] for a in answers[0::2]} == {investor.email}
    assert all(a.json()["subscriptions"] == [] for a in answers[1::2])
    assert held_after == 0
    assert (ended.status_code, unsigned.status_code) == (401, 401)
