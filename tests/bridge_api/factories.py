"""Small builders for bridge tests: users with roles and KYC, and their auth headers."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session, object_session, sessionmaker

from bridge_api.config import get_settings
from bridge_api.db.models import KycStatus, Role, User
from bridge_api.users.security import hash_password
from bridge_api.users.service import add_user
from bridge_api.users.sessions import start

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)
_HASH = hash_password(PASSWORD)


def make_user(
    session: Session,
    *,
    role: Role = Role.INVESTOR,
    kyc: KycStatus | None = KycStatus.VERIFIED,
    email: str | None = None,
) -> User:
    """A user (password `PASSWORD`), with KYC in the given state (None: not submitted)."""
    number = next(_numbers)
    return add_user(
        session,
        email=email or f"user{number}@example.com",
        full_name=f"User {number}",
        role=role,
        password_hash=_HASH,
        kyc=kyc,
        pan=f"TESTP{number % 10000:04d}{chr(65 + number // 10000 % 26)}",
    )


def auth(user: User, sessions: sessionmaker[Session] | None = None) -> dict[str, str]:
    """Bearer headers for `user`: a sign-in session started as `/login` would, in the user's
    own database session, or committed through `sessions` for a detached user."""
    attached = object_session(user)
    if attached is not None:
        pair = start(attached, user, get_settings())
    else:
        assert sessions is not None, "a detached user needs `sessions` to sign in through"
        with sessions() as session, session.begin():
            pair = start(session, session.get(User, user.id), get_settings())
    return {"Authorization": f"Bearer {pair.access_token}"}


def pay_in(client, admin: User, user: User, amount: str) -> None:
    """Record a pay-in through the API (asserting it was accepted)."""
    response = client.post(
        "/cash/payin",
        headers=auth(admin),
        json={"user_id": user.id, "amount": amount, "reference": "UTR1"},
    )
    assert response.status_code == 201, response.text


def published_smallcase(
    client, manager: User, name: str = "Leaders", weights: dict[str, str] | None = None
) -> int:
    """A published smallcase made through the API; returns its id."""
    weights = weights or {"INFY": "40", "TCS": "35", "HDFCBANK": "25"}
    constituents = [{"symbol": s, "weight": w} for s, w in weights.items()]
    created = client.post(
        "/smallcase", headers=auth(manager), json={"name": name, "constituents": constituents}
    )
    assert created.status_code == 201, created.text
    client.post(f"/smallcase/{created.json()['id']}/publish", headers=auth(manager))
    return int(created.json()["id"])
