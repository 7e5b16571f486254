from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bridge_api.audit.service import records_for
from bridge_api.db.models import Cause, KycStatus, LedgerKind, Role
from bridge_api.ledger.service import BANK, MARKET, Leg, named_account, post
from bridge_api.portfolios.cash import earmark
from tests.bridge_api.factories import auth, make_user, pay_in, published_smallcase


def _people(session: Session):
    return (
        make_user(session, role=Role.ADMIN),
        make_user(session, role=Role.MANAGER),
        make_user(session),
    )


def test_investing_earmarks_free_cash_into_a_new_subscription(client: TestClient, session: Session):
    admin, manager, investor = _people(session)
    smallcase = published_smallcase(client, manager)
    pay_in(client, admin, investor, "100000.00")

    intent = client.post(
        "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": "60000.00"}
    )
    view = client.get("/portfolio", headers=auth(investor)).json()

    assert intent.status_code == 201, intent.text
    assert intent.json()["kind"] == "invest"
    assert intent.json()["status"] == "pending"
    assert view["free_cash"] == "40000.00"
    (subscription,) = view["subscriptions"]
    assert (subscription["cash"], subscription["smallcase_id"], subscription["version"]) == (
        "60000.00",
        smallcase,
        1,
    )
    assert view["total_value"] == "100000.00"
    assert records_for(session, "user", investor.id)[0].action == "cash.payin"


def test_investing_more_than_free_cash_is_a_conflict_and_changes_nothing(
    client: TestClient, session: Session
):
    admin, manager, investor = _people(session)
    smallcase = published_smallcase(client, manager)
    pay_in(client, admin, investor, "10000.00")

    response = client.post(
        "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": "20000.00"}
    )
    view = client.get("/portfolio", headers=auth(investor)).json()

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert view["free_cash"] == "10000.00"
    assert view["subscriptions"] == []


def test_investing_needs_verified_kyc_and_the_minimum_amount(client: TestClient, session: Session):
    admin, manager, _ = _people(session)
    pending = make_user(session, kyc=KycStatus.PENDING)
    investor = make_user(session)
    smallcase = published_smallcase(client, manager)
    pay_in(client, admin, pending, "100000.00")
    pay_in(client, admin, investor, "100000.00")
    minimum = Decimal(
        client.get(f"/smallcase/{smallcase}", headers=auth(investor)).json()["minimum_investment"]
    )

    no_kyc = client.post(
        "/invest", headers=auth(pending), json={"smallcase_id": smallcase, "amount": "90000.00"}
    )
    too_little = client.post(
        "/invest",
        headers=auth(investor),
        json={"smallcase_id": smallcase, "amount": str(minimum - Decimal("0.01"))},
    )
    enough = client.post(
        "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": str(minimum)}
    )

    assert no_kyc.status_code == 403
    assert too_little.status_code == 422
    assert too_little.json()["errors"][0]["field"] == "amount"
    assert enough.status_code == 201


def test_top_up_exit_and_rebalance_act_only_on_ones_own_subscription(
    client: TestClient, session: Session
):
    admin, manager, investor = _people(session)
    stranger = make_user(session)
    smallcase = published_smallcase(client, manager)
    pay_in(client, admin, investor, "100000.00")
    pay_in(client, admin, stranger, "100000.00")
    subscription = client.post(
        "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": "50000.00"}
    ).json()["subscription_id"]

    foreign = [
        client.post(
            f"/subscriptions/{subscription}/topup",
            headers=auth(stranger),
            json={"amount": "1000.00"},
        ),
        client.post(f"/subscriptions/{subscription}/exit", headers=auth(stranger)),
        client.post(
            f"/subscriptions/{subscription}/rebalance",
            headers=auth(stranger),
            json={"accept": True},
        ),
    ]
    own_topup = client.post(
        f"/subscriptions/{subscription}/topup", headers=auth(investor), json={"amount": "1000.00"}
    )
    own_exit = client.post(f"/subscriptions/{subscription}/exit", headers=auth(investor))
    second_exit = client.post(f"/subscriptions/{subscription}/exit", headers=auth(investor))

    assert [r.status_code for r in foreign] == [404, 404, 404]
    assert own_topup.status_code == 201
    assert own_exit.status_code == 201
    assert second_exit.status_code == 409


def test_a_rebalance_can_be_accepted_once_a_new_version_exists(
    client: TestClient, session: Session
):
    admin, manager, investor = _people(session)
    smallcase = published_smallcase(client, manager)
    pay_in(client, admin, investor, "100000.00")
    subscription = client.post(
        "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": "50000.00"}
    ).json()["subscription_id"]

    too_early = client.post(
        f"/subscriptions/{subscription}/rebalance", headers=auth(investor), json={"accept": True}
    )
    client.put(
        f"/smallcase/{smallcase}",
        headers=auth(manager),
        json={"constituents": [{"symbol": "INFY", "weight": "100"}]},
    )
    accepted = client.post(
        f"/subscriptions/{subscription}/rebalance", headers=auth(investor), json={"accept": True}
    )

    assert too_early.status_code == 409
    assert accepted.status_code == 201
    assert accepted.json()["kind"] == "rebalance"


def test_a_direct_buy_earmarks_its_cost_and_a_sell_needs_the_shares(
    client: TestClient, session: Session
):
    admin, _, investor = _people(session)
    pay_in(client, admin, investor, "50000.00")

    bought = client.post("/buy", headers=auth(investor), json={"symbol": "INFY", "quantity": 5})
    sold = client.post("/sell", headers=auth(investor), json={"symbol": "INFY", "quantity": 1})
    unknown = client.post("/buy", headers=auth(investor), json={"symbol": "NOPE", "quantity": 1})
    view = client.get("/portfolio", headers=auth(investor)).json()

    assert bought.status_code == 201
    (direct,) = view["subscriptions"]
    assert direct["kind"] == "direct"
    assert Decimal(direct["cash"]) == Decimal(bought.json()["amount"])
    assert Decimal(view["free_cash"]) + Decimal(direct["cash"]) == Decimal("50000.00")
    assert sold.status_code == 409
    assert unknown.status_code == 422


def test_a_payout_takes_only_settled_free_cash(client: TestClient, session: Session):
    admin, _, investor = _people(session)
    pay_in(client, admin, investor, "500.00")

    too_much = client.post(
        "/cash/payout",
        headers=auth(admin),
        json={"user_id": investor.id, "amount": "500.01", "reference": "X"},
    )
    fine = client.post(
        "/cash/payout",
        headers=auth(admin),
        json={"user_id": investor.id, "amount": "500.00", "reference": "X"},
    )
    by_investor = client.post(
        "/cash/payout",
        headers=auth(investor),
        json={"user_id": investor.id, "amount": "1.00", "reference": "X"},
    )

    assert too_much.status_code == 409
    assert fine.status_code == 201
    assert by_investor.status_code == 403


def test_transactions_show_only_ones_own_postings(client: TestClient, session: Session):
    admin, manager, investor = _people(session)
    smallcase = published_smallcase(client, manager)
    pay_in(client, admin, investor, "100000.00")
    client.post(
        "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": "50000.00"}
    )

    movements = client.get("/transactions", headers=auth(investor)).json()
    stranger = client.get("/transactions", headers=auth(make_user(session))).json()

    assert [(m["cause"], m["amount"]) for m in movements] == [
        ("earmark", "-50000.00"),
        ("earmark", "50000.00"),
        ("payin", "100000.00"),
    ]
    assert all(not m["account"].startswith("external") for m in movements)
    assert stranger == []


def test_status_answers_without_signing_in(client: TestClient):
    response = client.get("/portfolio/status")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["summary"].startswith("Portfolio service running")


def test_a_mistaken_pay_in_is_corrected_by_a_reversing_entry_not_an_edit(
    client: TestClient, session: Session
):
    admin, _, investor = _people(session)
    entry = client.post(
        "/cash/payin",
        headers=auth(admin),
        json={"user_id": investor.id, "amount": "700.00", "reference": "typo"},
    ).json()["entry_id"]

    reversed_ = client.post(
        f"/admin/journal/{entry}/reverse", headers=auth(admin), json={"memo": "wrong investor"}
    )
    twice = client.post(
        f"/admin/journal/{entry}/reverse", headers=auth(admin), json={"memo": "again"}
    )
    movements = client.get("/transactions", headers=auth(investor)).json()

    assert reversed_.status_code == 201
    assert reversed_.json()["corrects"] == entry
    assert twice.status_code == 409
    assert [(m["cause"], m["amount"]) for m in movements] == [
        ("correction", "-700.00"),
        ("payin", "700.00"),
    ]
    assert client.get("/portfolio", headers=auth(investor)).json()["free_cash"] == "0.00"


def test_a_commit_that_fails_is_the_response_not_a_success(
    client: TestClient, session: Session, monkeypatch
):
    admin, _, investor = _people(session)

    def broken_commit() -> None:
        raise IntegrityError("COMMIT", {}, Exception("deferred check failed"))

    monkeypatch.setattr(session, "commit", broken_commit)
    response = client.post(
        "/cash/payin",
        headers=auth(admin),
        json={"user_id": investor.id, "amount": "10.00", "reference": "x"},
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


def test_spare_cash_in_a_subscription_can_be_withdrawn_but_not_what_intents_need(
    client: TestClient, session: Session
):
    admin, _, investor = _people(session)
    pay_in(client, admin, investor, "50000.00")
    bought = client.post(
        "/buy", headers=auth(investor), json={"symbol": "ITC", "quantity": 10}
    ).json()
    direct = bought["subscription_id"]
    earmark(session, investor, direct, Decimal("700.00"), "left over from a sale")
    session.commit()  # as its own request would (the test's outer transaction still rolls back)

    too_much = client.post(
        f"/subscriptions/{direct}/withdraw", headers=auth(investor), json={"amount": "700.01"}
    )
    spare = client.post(
        f"/subscriptions/{direct}/withdraw", headers=auth(investor), json={"amount": "700.00"}
    )
    view = client.get("/portfolio", headers=auth(investor)).json()

    assert too_much.status_code == 409
    assert "spare" in too_much.json()["detail"]
    assert spare.status_code == 201, spare.text
    assert Decimal(view["free_cash"]) == Decimal("50000.00") - Decimal(bought["amount"])


def test_a_buy_spends_spare_direct_cash_before_earmarking_more(
    client: TestClient, session: Session
):
    admin, _, investor = _people(session)
    pay_in(client, admin, investor, "50000.00")
    bought = client.post(
        "/buy", headers=auth(investor), json={"symbol": "ITC", "quantity": 10}
    ).json()
    direct, cost = bought["subscription_id"], Decimal(bought["amount"])
    earmark(session, investor, direct, cost, "left over from a sale")
    session.commit()
    free_before = Decimal(client.get("/portfolio", headers=auth(investor)).json()["free_cash"])

    again = client.post("/buy", headers=auth(investor), json={"symbol": "ITC", "quantity": 10})
    view = client.get("/portfolio", headers=auth(investor)).json()

    assert again.status_code == 201
    assert Decimal(view["free_cash"]) == free_before
    assert Decimal(next(s for s in view["subscriptions"] if s["id"] == direct)["cash"]) == 2 * cost


def test_a_top_up_is_refused_while_an_exit_is_pending(client: TestClient, session: Session):
    admin, manager, investor = _people(session)
    smallcase = published_smallcase(client, manager)
    pay_in(client, admin, investor, "100000.00")
    subscription = client.post(
        "/invest", headers=auth(investor), json={"smallcase_id": smallcase, "amount": "50000.00"}
    ).json()["subscription_id"]
    client.post(f"/subscriptions/{subscription}/exit", headers=auth(investor))

    topup = client.post(
        f"/subscriptions/{subscription}/topup", headers=auth(investor), json={"amount": "1000.00"}
    )

    assert topup.status_code == 409
    assert "exit is already pending" in topup.json()["detail"]


def test_only_cash_movements_are_reversed_by_a_plain_correction(
    client: TestClient, session: Session
):
    admin, _, _ = _people(session)
    bank = named_account(session, BANK, LedgerKind.EXTERNAL)
    market = named_account(session, MARKET, LedgerKind.EXTERNAL)
    trade = post(
        session,
        cause=Cause.ORDER_ALLOCATION,
        legs=[Leg(bank, "INFY", Decimal(1)), Leg(market, "INFY", Decimal(-1))],
        effective_on=date(2026, 11, 25),
    )

    response = client.post(
        f"/admin/journal/{trade.id}/reverse", headers=auth(admin), json={"memo": "oops"}
    )

    assert response.status_code == 409
    assert "not reversed by a plain correction" in response.json()["detail"]


def test_every_realised_figure_names_its_tax_lot_convention(client: TestClient):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    for name in ("PortfolioOut", "SubscriptionOut"):
        described = schemas[name]["properties"]["realised"]["description"]
        assert "FIFO per subscription" in described, name
        assert "STT" in described
