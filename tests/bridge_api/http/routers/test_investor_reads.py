"""The investor's pages: a rebalance update (old and new weights, what would be bought and
sold), tax lots per subscription, and activity filtered by kind and date."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.bridge_api.batch_life import make_investors, run_batch
from tests.bridge_api.factories import auth, make_user


def _subscription(client: TestClient, investor) -> int:
    return client.get("/portfolio", headers=auth(investor)).json()["subscriptions"][0]["id"]


def test_a_rebalance_update_shows_old_and_new_weights_and_what_would_trade(
    client: TestClient, session: Session
):
    _, manager, smallcase, (investor,) = make_investors(client, session, ["90000.00"])
    run_batch(client, session, manager, smallcase)
    subscription = _subscription(client, investor)
    same = client.get(f"/subscriptions/{subscription}/rebalance-preview", headers=auth(investor))
    changed = client.put(
        f"/smallcase/{smallcase}",
        headers=auth(manager),
        json={
            "constituents": [
                {"symbol": "INFY", "weight": "50"},
                {"symbol": "HDFCBANK", "weight": "25"},
                {"symbol": "ITC", "weight": "25"},
            ]
        },
    )

    preview = client.get(f"/subscriptions/{subscription}/rebalance-preview", headers=auth(investor))
    stranger = client.get(
        f"/subscriptions/{subscription}/rebalance-preview", headers=auth(make_user(session))
    )

    assert same.status_code == 200, same.text
    assert same.json()["up_to_date"] is True
    assert changed.status_code == 200, changed.text
    body = preview.json()
    assert (body["current_version"], body["latest_version"], body["up_to_date"]) == (1, 2, False)
    lines = {line["symbol"]: line for line in body["lines"]}
    assert set(lines) == {"INFY", "TCS", "HDFCBANK", "ITC"}
    assert (lines["TCS"]["old_weight"], lines["TCS"]["new_weight"]) == ("35.0000", None)
    assert (lines["ITC"]["old_weight"], lines["ITC"]["new_weight"]) == (None, "25.0000")
    assert lines["TCS"]["target"] == 0
    assert lines["TCS"]["sell"] == lines["TCS"]["holding"] > 0
    assert lines["ITC"]["holding"] == 0
    assert lines["ITC"]["buy"] == lines["ITC"]["target"] > 0
    for line in body["lines"]:
        assert line["target"] - line["holding"] == line["buy"] - line["sell"]
    worth = Decimal(body["cash"]) + sum(
        Decimal(line["price"]) * line["holding"] for line in body["lines"]
    )
    after = sum(Decimal(line["price"]) * line["target"] for line in body["lines"])
    assert after <= worth
    assert stranger.status_code == 404


def test_tax_lots_per_subscription_match_the_holdings(client: TestClient, session: Session):
    _, manager, smallcase, (investor,) = make_investors(client, session, ["90000.00"])
    run_batch(client, session, manager, smallcase)
    subscription = _subscription(client, investor)

    lots = client.get(f"/subscriptions/{subscription}/lots", headers=auth(investor))
    holdings = client.get("/portfolio", headers=auth(investor)).json()["subscriptions"][0][
        "holdings"
    ]
    stranger = client.get(f"/subscriptions/{subscription}/lots", headers=auth(make_user(session)))

    assert lots.status_code == 200, lots.text
    open_shares: dict[str, int] = {}
    open_cost: dict[str, Decimal] = {}
    for lot in lots.json():
        assert lot["open_quantity"] == lot["quantity"]
        assert lot["sales"] == []
        open_shares[lot["symbol"]] = open_shares.get(lot["symbol"], 0) + lot["open_quantity"]
        open_cost[lot["symbol"]] = open_cost.get(lot["symbol"], Decimal(0)) + Decimal(
            lot["open_cost"]
        )
    assert open_shares == {h["symbol"]: h["quantity"] for h in holdings}
    assert open_cost == {h["symbol"]: Decimal(h["cost"]) for h in holdings}
    assert stranger.status_code == 404


def test_activity_filters_by_kind_and_date(client: TestClient, session: Session):
    _, manager, smallcase, (investor,) = make_investors(client, session, ["90000.00"])
    run_batch(client, session, manager, smallcase)
    every = client.get("/transactions?limit=500", headers=auth(investor)).json()
    day = every[0]["effective_on"]

    payins = client.get("/transactions?cause=payin", headers=auth(investor)).json()
    two = client.get(
        "/transactions?cause=payin&cause=order_allocation&limit=500", headers=auth(investor)
    ).json()
    that_day = client.get(f"/transactions?since={day}&until={day}", headers=auth(investor))
    later = client.get("/transactions?since=2999-01-01", headers=auth(investor)).json()
    bad = client.get("/transactions?cause=gift", headers=auth(investor))

    assert {m["cause"] for m in every} >= {"payin", "order_allocation"}
    assert payins
    assert {m["cause"] for m in payins} == {"payin"}
    assert {m["cause"] for m in two} == {"payin", "order_allocation"}
    assert that_day.json()
    assert {m["effective_on"] for m in that_day.json()} == {day}
    assert later == []
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
