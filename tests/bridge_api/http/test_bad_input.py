"""Every bad input is a clear 4xx in problem+json naming the field: amounts and weights only in
the documented decimal spelling, quantities and ids only as JSON integers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bridge_api.db.models import Role
from tests.bridge_api.factories import auth, make_user, pay_in, published_smallcase

MISSPELT = [
    "1e1000000",
    "1e2",
    " 100 ",
    "1_00",
    "+100",
    "100.",
    ".5e3",
    ".5",
    "१००",
    "１００",
    "NaN",
    "Infinity",
    "1" * 100_000,
    "0." + "0" * 99_998 + "1",
]


@pytest.fixture
def people(client: TestClient, session: Session):
    admin, manager, investor = (
        make_user(session, role=Role.ADMIN),
        make_user(session, role=Role.MANAGER),
        make_user(session),
    )
    smallcase = published_smallcase(client, manager)
    pay_in(client, admin, investor, "100000.00")
    intent = client.post(
        "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": "50000.00"}
    )
    session.commit()  # as their own requests would: each refusal below rolls back only itself
    return admin, manager, investor, smallcase, intent.json()["subscription_id"]


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(field in str(error["field"]) for error in response.json()["errors"]), response.text


@pytest.mark.parametrize("amount", MISSPELT, ids=lambda a: a[:12])
def test_an_amount_in_any_other_spelling_is_refused_everywhere_money_comes_in(
    client: TestClient, people, amount: str
):
    admin, _, investor, smallcase, subscription = people
    cash = {"user_id": investor.id, "amount": amount, "reference": "UTR"}

    for path, who, body in [
        ("/invest", investor, {"smallcase_id": smallcase, "amount": amount}),
        (f"/subscriptions/{subscription}/topup", investor, {"amount": amount}),
        (f"/subscriptions/{subscription}/withdraw", investor, {"amount": amount}),
        ("/cash/payin", admin, cash),
        ("/cash/payout", admin, cash),
        ("/admin/house/fund", admin, {"amount": amount, "reference": "UTR"}),
    ]:
        _refused(client.post(path, headers=auth(who), json=body), "amount")


@pytest.mark.parametrize("weight", ["1e28", "1" * 100_000, "0." + "0" * 99_998 + "1", "४०"])
def test_a_smallcase_weight_in_any_other_spelling_is_refused(
    client: TestClient, people, weight: str
):
    _, manager, *_ = people
    body = {"name": "Odd", "constituents": [{"symbol": "INFY", "weight": weight}]}

    _refused(client.post("/smallcase", headers=auth(manager), json=body), "weight")


@pytest.mark.parametrize("quantity", [True, 1.0, "1", 0])
def test_a_quantity_is_a_json_integer_of_at_least_one(client: TestClient, people, quantity):
    _, _, investor, *_ = people

    _refused(
        client.post("/buy", headers=auth(investor), json={"symbol": "INFY", "quantity": quantity}),
        "quantity",
    )


@pytest.mark.parametrize("user_id", [True, 1.0])
def test_an_id_in_a_body_is_a_json_integer(client: TestClient, people, user_id):
    admin, *_ = people

    _refused(
        client.post(
            "/cash/payin",
            headers=auth(admin),
            json={"user_id": user_id, "amount": "1.00", "reference": "UTR"},
        ),
        "user_id",
    )


def test_the_documented_spelling_is_accepted(client: TestClient, people):
    _, _, investor, smallcase, subscription = people

    topped = client.post(
        f"/subscriptions/{subscription}/topup", headers=auth(investor), json={"amount": "100.5"}
    )

    assert topped.status_code == 201, topped.text
    assert topped.json()["amount"] == "100.50"
    assert smallcase
