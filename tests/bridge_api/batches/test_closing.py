"""Closing a batch: exits closed or waiting, a batch that traded nothing failed."""

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from allocator import plan
from bridge_api.batches import closing
from bridge_api.db.models import (
    TaxLot,
)
from bridge_api.errors import Conflict
from bridge_api.execution import planning
from bridge_api.ledger import settlement
from tests.bridge_api.batch_life import (
    DAY,
    fill_everything,
    make_investors,
    run_batch,
)
from tests.bridge_api.factories import auth


def test_an_exit_sells_everything_closes_the_subscription_and_returns_its_cash(
    client: TestClient, session: Session
):
    _, manager, smallcase, (investor,) = make_investors(client, session, ["90000.00"])
    run_batch(client, session, manager, smallcase)
    settlement.settle(session, today=date(2026, 11, 26))
    (subscription,) = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"]
    assert (
        client.post(f"/subscriptions/{subscription['id']}/exit", headers=auth(investor)).status_code
        == 201
    )

    detail = run_batch(client, session, manager, smallcase)
    view = client.get("/portfolio", headers=auth(investor)).json()

    assert detail["state"] == "completed"
    assert {o["side"] for o in detail["orders"]} == {"SELL"}
    (closed,) = view["subscriptions"]
    assert closed["status"] == "closed"
    assert (closed["cash"], closed["unsettled_cash"], closed["holdings"]) == ("0.00", "0.00", [])
    assert Decimal(view["free_unsettled_cash"]) > 0
    assert Decimal(closed["realised"]) != 0
    lots = (
        session.execute(select(TaxLot).where(TaxLot.subscription_id == subscription["id"]))
        .scalars()
        .all()
    )
    assert lots
    assert all(lot.open_quantity == 0 for lot in lots)


def test_an_exit_that_did_not_sell_everything_waits_for_the_next_batch(
    client: TestClient, session: Session
):
    _, manager, smallcase, (investor,) = make_investors(client, session, ["90000.00"])
    run_batch(client, session, manager, smallcase)
    (subscription,) = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"]
    client.post(f"/subscriptions/{subscription['id']}/exit", headers=auth(investor))
    preview = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()
    client.post(f"/batches/{preview['id']}/cancel", headers=auth(manager))
    sold = {t["symbol"]: t["holding"] for t in preview["targets"]}
    first = sorted(sold)[0]

    detail = run_batch(
        client, session, manager, smallcase, short={f"b{preview['id'] + 1}-{first}-SELL": 1}
    )
    intents = client.get("/intents", headers=auth(investor)).json()
    view = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"][0]

    assert detail["state"] == "partially_completed"
    assert view["status"] == "active"
    assert [h["quantity"] for h in view["holdings"]] == [1]
    exit_intent = next(i for i in intents if i["kind"] == "exit")
    assert exit_intent["status"] == "pending"


def test_a_batch_that_traded_nothing_can_be_failed_and_its_intents_wait_again(
    client: TestClient, session: Session
):
    admin, manager, smallcase, (investor,) = make_investors(client, session, ["90000.00"])
    batch_id = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()["id"]
    client.post(f"/batches/{batch_id}/approve", headers=auth(manager))
    planning.claim_ready_batch(session)
    with pytest.raises(Conflict, match="never planned"):
        closing.finish_batch(session, batch_id)

    failed = client.post(
        f"/batches/{batch_id}/fail", headers=auth(admin), json={"reason": "venue down all day"}
    )
    intents = client.get("/intents", headers=auth(investor)).json()

    assert failed.json()["state"] == "failed"
    assert [i["status"] for i in intents] == ["pending"]


def test_a_failed_batch_leaves_an_unfinished_exit_pending_and_its_subscription_open(
    client: TestClient, session: Session
):
    admin, manager, smallcase, (investor,) = make_investors(client, session, ["90000.00"])
    run_batch(client, session, manager, smallcase)
    (subscription,) = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"]
    client.post(f"/subscriptions/{subscription['id']}/exit", headers=auth(investor))
    batch_id = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()["id"]
    client.post(f"/batches/{batch_id}/approve", headers=auth(manager))
    batch = planning.claim_ready_batch(session)
    sells = planning.record_plan(
        session, batch, plan(planning.plan_request(session, batch)), trade_date=DAY, phase=1
    )
    fill_everything(session, sells, short={sells[0].key: 1})  # one share is left unsold

    failed = client.post(
        f"/batches/{batch_id}/fail", headers=auth(admin), json={"reason": "venue down"}
    )
    intents = client.get("/intents", headers=auth(investor)).json()
    view = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"]

    assert failed.json()["state"] == "failed"
    exit_intent = next(i for i in intents if i["kind"] == "exit")
    assert exit_intent["status"] == "pending"
    assert [s["status"] for s in view] == ["active"]
