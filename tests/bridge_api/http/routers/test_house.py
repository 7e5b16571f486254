"""The house's admin routes: what it holds, funding it, sweeping it; admins only, audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.audit.service import records_for
from bridge_api.db.models import JournalEntry, Role
from tests.bridge_api.factories import auth, make_user


def test_an_admin_funds_and_sweeps_the_house_and_each_move_is_audited(
    client: TestClient, session: Session
):
    admin = make_user(session, role=Role.ADMIN)

    empty = client.get("/admin/house", headers=auth(admin))
    funded = client.post(
        "/admin/house/fund",
        headers=auth(admin),
        json={"amount": "2500.00", "reference": "UTR 1"},
    )
    swept = client.post(
        "/admin/house/sweep",
        headers=auth(admin),
        json={"amount": "1000.50", "reference": "UTR 2"},
    )
    too_much = client.post(
        "/admin/house/sweep",
        headers=auth(admin),
        json={"amount": "1499.51", "reference": "UTR 3"},
    )

    assert empty.json() == {
        "settled": "0.00",
        "unsettled": "0.00",
        "cash": "0.00",
        "shortfall": "0.00",
        "shares": {},
        "entry_id": None,
    }
    assert funded.status_code == 201, funded.text
    assert funded.json()["settled"] == "2500.00"
    assert swept.json()["settled"] == "1499.50"
    assert too_much.status_code == 409
    assert too_much.headers["content-type"] == "application/problem+json"
    assert "1499.50" in too_much.json()["detail"]
    causes = session.execute(
        select(JournalEntry.cause).where(
            JournalEntry.id.in_([funded.json()["entry_id"], swept.json()["entry_id"]])
        )
    ).scalars()
    assert sorted(causes) == ["house_funding", "house_sweep"]
    audited = [
        (r.action, r.after["amount"])
        for r in records_for(session, "house", funded.json()["entry_id"])
    ]
    assert audited == [("house.fund", "2500.00")]


def test_only_an_admin_sees_or_moves_the_house_and_bad_amounts_are_refused(
    client: TestClient, session: Session
):
    admin, manager = make_user(session, role=Role.ADMIN), make_user(session, role=Role.MANAGER)
    session.commit()  # as their own requests would: a refused request rolls back only itself
    body = {"amount": "100.00", "reference": "UTR"}

    assert client.get("/admin/house", headers=auth(manager)).status_code == 403
    denied = client.post("/admin/house/fund", headers=auth(manager), json=body)
    assert denied.status_code == 403, denied.text
    assert client.get("/admin/house").status_code == 401
    for amount in ("0.00", "-5.00", "10.001", 100):
        refused = client.post(
            "/admin/house/fund", headers=auth(admin), json={**body, "amount": amount}
        )
        assert refused.status_code == 422, amount
    assert client.get("/admin/house", headers=auth(admin)).json()["cash"] == "0.00"
