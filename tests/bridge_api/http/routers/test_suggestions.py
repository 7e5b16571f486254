"""Suggestions for a smallcase's manager: proposed with reasons, turnover and charges for the
current subscribers, accepted as a new version that trades nothing."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from allocator import Side
from allocator.charges import Trade, delivery_charges
from allocator.money import from_paise
from bridge_api.db.models import Batch, BatchOrder, Intent, Role, Suggestion, User
from tests.bridge_api.batch_life import make_investors, run_batch
from tests.bridge_api.factories import auth, make_user


def _counts(session: Session) -> tuple[int, int, int]:
    return tuple(
        session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in (Batch, BatchOrder, Intent)
    )


def _held(client, session):
    _admin, manager, smallcase, investors = make_investors(
        client, session, ["100000.00", "60000.00"]
    )
    run_batch(client, session, manager, smallcase)
    return manager, smallcase, investors


def test_a_suggestion_has_reasons_exact_weights_and_its_subscribers_charges(client, session):
    manager, smallcase, investors = _held(client, session)

    response = client.post(f"/smallcase/{smallcase}/suggestions", headers=auth(manager), json={})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "proposed"
    assert body["based_on_version"] == 1
    assert body["synthetic_data"] is True
    assert "SYNTHETIC" in body["caveat"]
    assert body["model"].startswith("ridge")
    weights = {line["symbol"]: Decimal(line["weight"]) for line in body["lines"] if line["weight"]}
    assert sum(weights.values(), Decimal(0)) == Decimal(100)
    assert len(weights) == 3  # the current version's size
    for line in body["lines"]:
        assert line["reasons"], line
        assert line["action"] in {"add", "keep", "remove"}
        if line["action"] != "add":
            assert line["old_weight"] in {"40.0000", "35.0000", "25.0000"}
    impact = body["impact"]
    assert impact["subscribers"] == 2
    per = impact["per_subscriber"]
    assert Decimal(impact["charges"]) == sum((Decimal(p["charges"]) for p in per), Decimal(0))
    assert Decimal(impact["traded"]) == sum(
        (Decimal(p["bought"]) + Decimal(p["sold"]) for p in per), Decimal(0)
    )
    assert body["backtest"] is None
    assert (
        client.get(f"/smallcase/{smallcase}/suggestions/{body['id']}", headers=auth(manager)).json()
        == body
    )
    listed = client.get(f"/smallcase/{smallcase}/suggestions", headers=auth(manager)).json()
    assert [s["id"] for s in listed] == [body["id"]]

    # The charges shown are those of the trades the investor's rebalance preview shows
    before = _counts(session)
    accepted = client.post(
        f"/smallcase/{smallcase}/suggestions/{body['id']}/accept",
        headers=auth(manager),
        json={"note": "momentum and low volatility"},
    )
    assert accepted.status_code == 200, accepted.text
    assert _counts(session) == before  # no batch, order or intent
    day = date.fromisoformat(impact["day"])
    for investor, shown in zip(investors, per, strict=True):
        preview = client.get(
            f"/subscriptions/{shown['subscription_id']}/rebalance-preview", headers=auth(investor)
        ).json()
        trades = [
            Trade(
                symbol=line["symbol"],
                side=Side.BUY if line["target"] > line["holding"] else Side.SELL,
                quantity=abs(line["target"] - line["holding"]),
                price=Decimal(line["price"]),
            )
            for line in preview["lines"]
            if line["target"] != line["holding"]
        ]
        assert trades
        assert Decimal(shown["charges"]) == from_paise(delivery_charges(day, trades).total)
        sold = sum((t.price * t.quantity for t in trades if t.side is Side.SELL), Decimal(0))
        assert Decimal(shown["sold"]) == sold


def test_accepting_makes_the_next_version_exactly_as_shown_and_trades_nothing(client, session):
    manager, smallcase, _ = _held(client, session)
    shown = client.post(
        f"/smallcase/{smallcase}/suggestions", headers=auth(manager), json={"size": 5}
    ).json()
    stale = client.post(
        f"/smallcase/{smallcase}/suggestions", headers=auth(manager), json={"size": 4}
    ).json()
    before = _counts(session)

    accepted = client.post(
        f"/smallcase/{smallcase}/suggestions/{shown['id']}/accept", headers=auth(manager), json={}
    )

    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert _counts(session) == before
    detail = client.get(f"/smallcase/{smallcase}", headers=auth(manager)).json()
    assert detail["version"] == 2
    latest = detail["versions"][-1]
    assert latest["number"] == 2
    constituents = {c["symbol"]: c["weight"] for c in latest["constituents"]}
    assert constituents == {
        line["symbol"]: line["weight"] for line in shown["lines"] if line["weight"]
    }
    assert len(constituents) == 5
    row = session.get(Suggestion, shown["id"])
    assert row is not None
    assert row.accepted_version_id is not None

    again = client.post(
        f"/smallcase/{smallcase}/suggestions/{shown['id']}/accept", headers=auth(manager), json={}
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    outdated = client.post(
        f"/smallcase/{smallcase}/suggestions/{stale['id']}/accept", headers=auth(manager), json={}
    )
    assert outdated.status_code == 409
    assert "followed" in outdated.json()["detail"]


def test_only_the_smallcases_manager_or_an_admin_gets_suggestions(client, session):
    manager, smallcase, investors = _held(client, session)
    shown = client.post(f"/smallcase/{smallcase}/suggestions", headers=auth(manager), json={})
    other = make_user(session, role=Role.MANAGER)
    admin = make_user(session, role=Role.ADMIN)
    before = _counts(session), session.execute(select(func.count(Suggestion.id))).scalar_one()

    callers = [auth(other), auth(session.get(User, investors[0].id)), auth(admin)]
    session.commit()  # a refused request rolls back what was not committed
    for headers in callers[:2]:
        for method, path, body in (
            ("POST", f"/smallcase/{smallcase}/suggestions", {}),
            ("GET", f"/smallcase/{smallcase}/suggestions", None),
            ("GET", f"/smallcase/{smallcase}/suggestions/{shown.json()['id']}", None),
            ("POST", f"/smallcase/{smallcase}/suggestions/{shown.json()['id']}/accept", {}),
        ):
            refused = client.request(method, path, json=body, headers=headers)
            assert refused.status_code == 403, (path, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
    after = _counts(session), session.execute(select(func.count(Suggestion.id))).scalar_one()
    assert after == before
    assert client.get(f"/smallcase/{smallcase}/suggestions", headers=callers[2]).status_code == 200
    for bad in ({"size": 0}, {"size": 51}, {"backtest": True}, {"colour": "red"}):
        refused = client.post(
            f"/smallcase/{smallcase}/suggestions", headers=auth(manager), json=bad
        )
        assert refused.status_code == 422, bad
    missing = client.get(f"/smallcase/{smallcase}/suggestions/999999", headers=auth(manager))
    assert missing.status_code == 404
