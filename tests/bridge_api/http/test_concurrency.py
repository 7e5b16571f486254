"""Concurrent requests on one investor's cash, over real connections that really commit (to a
database of the test's own)."""

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.db.models import KycStatus, Role, User
from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session, request_transaction
from bridge_api.ledger.service import balance, investor_account
from tests.bridge_api.factories import auth
from tests.bridge_api.factories import make_user as _make_user


def _app(sessions: sessionmaker[Session]) -> FastAPI:
    """The app, each request in its own committed transaction on `sessions`' database."""
    app = create_app()

    def own_session() -> Iterator[Session]:
        session = sessions()
        try:
            with request_transaction(session):
                yield session
        finally:
            session.close()

    app.dependency_overrides[get_session] = own_session
    return app


def _committed_users(sessions: sessionmaker[Session]) -> tuple[User, User]:
    with sessions() as session, session.begin():
        admin = _make_user(session, role=Role.ADMIN, email=f"admin-{uuid.uuid4().hex}@example.com")
        investor = _make_user(
            session, kyc=KycStatus.VERIFIED, email=f"inv-{uuid.uuid4().hex}@example.com"
        )
    return admin, investor


def _concurrently(sessions: sessionmaker[Session], count: int, request) -> Counter:
    """Run `request(client)` from `count` threads at once, each with its own connection."""
    app = _app(sessions)
    barrier = threading.Barrier(count)
    codes: Counter = Counter()
    lock = threading.Lock()

    def worker() -> None:
        with TestClient(app) as client:
            barrier.wait()
            status = request(client).status_code
        with lock:
            codes[status] += 1

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def _free_cash(sessions: sessionmaker[Session], user: User) -> Decimal:
    with sessions() as session:
        return balance(session, investor_account(session, user.id))


def test_concurrent_pay_ins_all_count(committed: sessionmaker[Session]):
    admin, investor = _committed_users(committed)

    codes = _concurrently(
        committed,
        12,
        lambda c: c.post(
            "/cash/payin",
            headers=auth(admin, committed),
            json={"user_id": investor.id, "amount": "100.00", "reference": "UTR"},
        ),
    )

    assert codes == {201: 12}
    assert _free_cash(committed, investor) == Decimal("1200.00")


def test_concurrent_buys_never_spend_more_than_the_free_cash(committed: sessionmaker[Session]):
    admin, investor = _committed_users(committed)
    with TestClient(_app(committed)) as client:
        client.post(
            "/cash/payin",
            headers=auth(admin, committed),
            json={"user_id": investor.id, "amount": "10000.00", "reference": "UTR"},
        )
        quote = client.post(
            "/buy", headers=auth(investor, committed), json={"symbol": "ITC", "quantity": 1}
        ).json()["amount"]
    cost = Decimal(quote)
    affordable = int((Decimal("10000.00") - cost) // cost)

    codes = _concurrently(
        committed,
        affordable + 6,
        lambda c: c.post(
            "/buy", headers=auth(investor, committed), json={"symbol": "ITC", "quantity": 1}
        ),
    )

    assert codes == {201: affordable, 409: 6}
    assert _free_cash(committed, investor) == Decimal("10000.00") - (affordable + 1) * cost


def test_parallel_wrong_passwords_are_throttled_after_exactly_the_allowed_failures(
    committed: sessionmaker[Session],
):
    _, investor = _committed_users(committed)

    codes = _concurrently(
        committed,
        20,
        lambda c: c.post("/login", json={"email": investor.email, "password": "wrong password"}),
    )

    assert codes == {401: 5, 429: 15}
