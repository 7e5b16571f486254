"""Concurrent requests on one investor's cash, over real connections that really commit."""

import threading
import uuid
from collections import Counter
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bridge_api.db.models import KycStatus, Role, User
from bridge_api.http.app import create_app
from bridge_api.ledger.service import balance, investor_account
from tests.bridge_api.factories import auth
from tests.bridge_api.factories import make_user as _make_user


def _committed_users(engine: Engine) -> tuple[User, User]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        admin = _make_user(session, role=Role.ADMIN, email=f"admin-{uuid.uuid4().hex}@example.com")
        investor = _make_user(
            session, kyc=KycStatus.VERIFIED, email=f"inv-{uuid.uuid4().hex}@example.com"
        )
    return admin, investor


def _concurrently(count: int, request) -> Counter:
    """Run `request(client)` from `count` threads at once, each with its own connection."""
    app = create_app()
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


def _free_cash(engine: Engine, user: User) -> Decimal:
    with Session(engine) as session:
        return balance(session, investor_account(session, user.id))


def test_concurrent_pay_ins_all_count(engine: Engine):
    admin, investor = _committed_users(engine)

    codes = _concurrently(
        12,
        lambda c: c.post(
            "/cash/payin",
            headers=auth(admin),
            json={"user_id": investor.id, "amount": "100.00", "reference": "UTR"},
        ),
    )

    assert codes == {201: 12}
    assert _free_cash(engine, investor) == Decimal("1200.00")


def test_concurrent_buys_never_spend_more_than_the_free_cash(engine: Engine):
    admin, investor = _committed_users(engine)
    with TestClient(create_app()) as client:
        client.post(
            "/cash/payin",
            headers=auth(admin),
            json={"user_id": investor.id, "amount": "10000.00", "reference": "UTR"},
        )
        quote = client.post(
            "/buy", headers=auth(investor), json={"symbol": "ITC", "quantity": 1}
        ).json()["amount"]
    cost = Decimal(quote)
    affordable = int((Decimal("10000.00") - cost) // cost)

    codes = _concurrently(
        affordable + 6,
        lambda c: c.post("/buy", headers=auth(investor), json={"symbol": "ITC", "quantity": 1}),
    )

    assert codes == {201: affordable, 409: 6}
    assert _free_cash(engine, investor) == Decimal("10000.00") - (affordable + 1) * cost


def test_parallel_wrong_passwords_are_throttled_after_exactly_the_allowed_failures(engine: Engine):
    _, investor = _committed_users(engine)

    codes = _concurrently(
        20, lambda c: c.post("/login", json={"email": investor.email, "password": "wrong password"})
    )

    assert codes == {401: 5, 429: 15}
