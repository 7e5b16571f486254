"""Nobody reads or changes what is not theirs: every route, every role, checked.

The table lists every route of the app (a test fails when a route is added without a row):
who may call it, and what a foreign caller gets.
"""

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bridge_api.db.models import Role
from bridge_api.http.app import create_app
from tests.bridge_api.factories import auth, make_user, pay_in, published_smallcase

PUBLIC = {
    ("GET", "/portfolio/status"),
    ("POST", "/register"),
    ("POST", "/login"),
    ("POST", "/token/refresh"),
    ("GET", "/kite/callback"),  # authenticated by the single-use login state
    ("POST", "/kite/postback"),  # authenticated by Kite's checksum
    ("GET", "/"),  # the redirect to the web app
    ("GET", "/app"),
    ("GET", "/app/{path:path}"),  # the web app's static build (its data comes from the API)
}


@dataclass
class World:
    admin: object
    manager: object
    other_manager: object
    owner: object
    stranger: object
    smallcase: int
    subscription: int
    batch: int


@pytest.fixture
def world(client: TestClient, session: Session) -> World:
    admin = make_user(session, role=Role.ADMIN)
    manager = make_user(session, role=Role.MANAGER)
    other_manager = make_user(session, role=Role.MANAGER)
    owner, stranger = make_user(session), make_user(session)
    smallcase = published_smallcase(client, manager, name="Owned")
    for investor in (owner, stranger):
        pay_in(client, admin, investor, "500000.00")
    subscription = client.post(
        "/invest", headers=auth(owner), json={"smallcase_id": smallcase, "amount": "100000.00"}
    ).json()["subscription_id"]
    batch = client.post("/batches", headers=auth(manager), json={"smallcase_id": smallcase}).json()[
        "id"
    ]
    return World(admin, manager, other_manager, owner, stranger, smallcase, subscription, batch)


# (method, path, body, caller who must be refused, allowed status codes for the refusal)
def _refusals(w: World):
    sub, sc, batch = w.subscription, w.smallcase, w.batch
    versions = {"constituents": [{"symbol": "INFY", "weight": "100"}]}
    return [
        ("GET", "/me", None, None, {401}),
        (
            "PUT",
            "/me/kyc",
            {"pan": "ABCPE1234F", "legal_name": "X", "date_of_birth": "1990-01-01"},
            None,
            {401},
        ),
        ("POST", f"/admin/kyc/{w.owner.id}", {"status": "verified"}, w.manager, {403}),
        ("PUT", f"/admin/users/{w.owner.id}/role", {"role": "admin"}, w.owner, {403}),
        (
            "POST",
            "/smallcase",
            {"name": "Mine", "constituents": versions["constituents"]},
            w.owner,
            {403},
        ),
        ("PUT", f"/smallcase/{sc}", versions, w.other_manager, {403}),
        ("POST", f"/smallcase/{sc}/publish", None, w.other_manager, {403}),
        ("POST", f"/smallcase/{sc}/archive", None, w.other_manager, {403}),
        ("GET", f"/smallcase/{sc}", None, None, {401}),
        ("GET", "/smallcases", None, None, {401}),
        ("GET", "/smallcases/mine", None, w.owner, {403}),
        ("GET", f"/smallcases/{sc}/history", None, None, {401}),
        (
            "POST",
            "/cash/payin",
            {"user_id": w.stranger.id, "amount": "1.00", "reference": "x"},
            w.stranger,
            {403},
        ),
        (
            "POST",
            "/cash/payout",
            {"user_id": w.owner.id, "amount": "1.00", "reference": "x"},
            w.manager,
            {403},
        ),
        ("POST", "/admin/journal/1/reverse", {"memo": "x"}, w.manager, {403}),
        ("POST", "/invest", {"smallcase_id": sc, "amount": "100000.00"}, None, {401}),
        ("POST", f"/subscriptions/{sub}/topup", {"amount": "100.00"}, w.stranger, {404}),
        ("POST", f"/subscriptions/{sub}/exit", None, w.stranger, {404}),
        ("POST", f"/subscriptions/{sub}/withdraw", {"amount": "1.00"}, w.stranger, {404}),
        ("POST", f"/subscriptions/{sub}/rebalance", {"accept": True}, w.stranger, {404}),
        ("POST", "/buy", {"symbol": "INFY", "quantity": 1}, None, {401}),
        ("POST", "/sell", {"symbol": "INFY", "quantity": 1}, None, {401}),
        ("GET", "/intents", None, None, {401}),
        ("GET", "/portfolio", None, None, {401}),
        ("GET", "/transactions", None, None, {401}),
        ("POST", "/batches", {"smallcase_id": sc}, w.other_manager, {403}),
        ("GET", f"/batches/{batch}", None, w.other_manager, {404}),
        ("POST", f"/batches/{batch}/approve", None, w.other_manager, {404}),
        ("POST", f"/batches/{batch}/cancel", None, w.owner, {403}),
        ("POST", f"/batches/{batch}/repair", None, w.other_manager, {404}),
        ("POST", f"/batches/{batch}/archive", None, w.other_manager, {404}),
        ("POST", f"/batches/{batch}/fail", {"reason": "x"}, w.manager, {403}),
        ("GET", "/kite/login", None, w.manager, {403}),
        ("GET", "/kite/session", None, w.owner, {403}),
        ("GET", "/me/notifications", None, None, {401}),
        ("POST", "/me/notifications/1/read", None, None, {401}),
        ("POST", "/me/notifications/read-all", None, None, {401}),
        ("GET", "/me/notification-preferences", None, None, {401}),
        ("PUT", "/me/notification-preferences", {"language": "hi"}, None, {401}),
        ("GET", "/admin/notifications/dead-letters", None, w.manager, {403}),
        ("POST", "/admin/notifications/deliveries/1/retry", None, w.owner, {403}),
        ("GET", "/admin/schedule", None, w.manager, {403}),
        ("GET", "/admin/house", None, w.manager, {403}),
        ("POST", "/admin/house/fund", {"amount": "1.00", "reference": "x"}, w.manager, {403}),
        ("POST", "/admin/house/sweep", {"amount": "1.00", "reference": "x"}, w.owner, {403}),
        ("GET", "/allocation-notes", None, None, {401}),
        ("GET", f"/allocation-notes/{batch}/{sub}", None, w.stranger, {404}),
        ("GET", "/analytics", None, None, {401}),
        ("GET", "/analytics/capital-gains?fy=2025", None, None, {401}),
        ("GET", "/analytics/tds?fy=2025", None, None, {401}),
        ("GET", f"/analytics/smallcases/{sc}", None, w.owner, {403}),
        ("GET", f"/analytics/smallcases/{sc}", None, w.other_manager, {403, 404}),
        ("GET", "/analytics/statements/2026/11", None, None, {401}),
        ("GET", f"/analytics/subscriptions/{sub}", None, w.stranger, {404}),
        ("POST", "/logout", None, None, {401}),
        ("PUT", f"/admin/users/{w.owner.id}/active", {"active": False}, w.manager, {403}),
        ("PUT", "/me/password", {"current": "x", "new": "y" * 12}, None, {401}),
        ("POST", "/admin/schedule/backup/skip?day=2026-11-20", None, w.owner, {403}),
        ("GET", "/batches", None, w.owner, {403}),
        ("GET", f"/subscriptions/{sub}/rebalance-preview", None, w.stranger, {404}),
        ("GET", f"/subscriptions/{sub}/lots", None, w.stranger, {404}),
        ("GET", f"/batches/{batch}/events", None, w.other_manager, {404}),
        ("GET", f"/smallcase/{sc}/subscribers", None, w.other_manager, {403}),
        ("GET", "/admin/users", None, w.manager, {403}),
        ("GET", "/admin/cash", None, w.manager, {403}),
        ("GET", "/admin/alerts", None, w.manager, {403}),
        ("POST", "/admin/alerts/1/acknowledge", None, w.manager, {403}),
        ("GET", "/admin/audit", None, w.owner, {403}),
        ("GET", "/admin/reconciliation", None, w.manager, {403}),
        ("GET", "/admin/engine", None, w.manager, {403}),
        ("GET", "/admin/journal", None, w.manager, {403}),
        ("POST", "/admin/corporate-actions", {"symbol": "INFY"}, w.manager, {403, 422}),
        ("POST", "/admin/corporate-actions/import", {"csv": "x"}, w.manager, {403}),
        ("GET", "/admin/corporate-actions", None, w.owner, {403}),
        ("GET", "/admin/corporate-actions/1", None, w.manager, {403}),
        ("POST", "/admin/corporate-actions/1/post", {"posted_on": "2026-11-27"}, w.manager, {403}),
        ("POST", "/admin/corporate-actions/1/cancel", {"reason": "x"}, w.manager, {403}),
        (
            "PUT",
            f"/smallcase/{sc}/drift-band",
            {"band_points": "5", "cooldown_days": 7},
            w.other_manager,
            {403, 404},
        ),
        ("GET", f"/smallcase/{sc}/drift", None, w.owner, {403}),
        ("POST", f"/smallcase/{sc}/suggestions", {}, w.other_manager, {403}),
        ("POST", f"/smallcase/{sc}/suggestions", {}, w.owner, {403}),
        ("GET", f"/smallcase/{sc}/suggestions", None, w.other_manager, {403}),
        ("GET", f"/smallcase/{sc}/suggestions/1", None, w.other_manager, {403}),
        ("POST", f"/smallcase/{sc}/suggestions/1/accept", {}, w.other_manager, {403}),
        ("POST", f"/smallcase/{sc}/suggestions/1/accept", {}, w.owner, {403}),
        ("POST", f"/smallcase/{sc}/suggestions/1/backtest", {}, w.other_manager, {403}),
        ("POST", f"/smallcase/{sc}/suggestions/1/backtest", {}, w.owner, {403}),
        (
            "POST",
            "/sips",
            {"subscription_id": sub, "amount": "1000.00", "frequency": "weekly", "day": 0},
            w.stranger,
            {404},
        ),
        ("GET", "/sips", None, None, {401}),
        ("GET", f"/subscriptions/{sub}/drift-proposal", None, w.stranger, {404}),
        ("POST", "/sips/1/pause", None, w.stranger, {404}),
        ("POST", "/sips/1/resume", None, w.stranger, {404}),
        ("POST", "/sips/1/stop", None, w.stranger, {404}),
        (
            "POST",
            f"/smallcase/{sc}/backtests",
            {"start": "2026-09-01", "end": "2026-09-30", "amount": "100000.00"},
            w.other_manager,
            {403},
        ),
        ("GET", f"/smallcase/{sc}/backtests", None, w.owner, {403}),
        ("GET", "/backtests/1", None, w.other_manager, {403, 404}),
        ("GET", "/backtests/1/report", None, w.owner, {403}),
        ("POST", "/backtests/1/report", None, None, {401}),
    ]


def test_every_route_is_in_the_access_table(world: World):
    # From the OpenAPI document: this FastAPI wraps included routers, so `app.routes` holds no
    # APIRoute (the routes left out of the schema are the public probes and the web app).
    routes = {
        (method.upper(), path)
        for path, operations in create_app().openapi()["paths"].items()
        for method in operations
    }
    assert len(routes) > 80  # the walk found the bridge's routes, not an empty set
    covered = {(m, _template(p)) for m, p, *_ in _refusals(world)} | PUBLIC

    assert routes - covered == set()


def _template(path: str) -> str:
    parts = path.split("?", maxsplit=1)[0].strip("/").split("/")
    names = {
        "smallcase": "smallcase_id",
        "subscriptions": "subscription_id",
        "batches": "batch_id",
        "kyc": "user_id",
        "users": "user_id",
        "journal": "entry_id",
        "notifications": "notification_id",
        "deliveries": "delivery_id",
        "alerts": "alert_id",
        "corporate-actions": "action_id",
        "sips": "sip_id",
        "suggestions": "suggestion_id",
        "allocation-notes": "batch_id",
        "smallcases": "smallcase_id",
        "statements": "year",
        "backtests": "run_id",
    }
    out = []
    for i, part in enumerate(parts):
        if part.isdigit():
            # a second number in a row: a statement's month, an allocation note's subscription
            previous = parts[i - 1]
            second = "month" if parts[i - 2] == "statements" else "subscription_id"
            out.append("{" + (second if previous.isdigit() else names[previous]) + "}")
        else:
            out.append("{job}" if i > 0 and parts[i - 1] == "schedule" else part)
    return "/" + "/".join(out)


def test_foreign_callers_are_refused_everywhere_and_nothing_changes(
    client: TestClient, session: Session, world: World
):
    before = client.get("/portfolio", headers=auth(world.owner)).json()
    refused = []
    for method, path, body, caller, expected in _refusals(world):
        headers = auth(caller) if caller is not None else {}
        response = client.request(method, path, json=body, headers=headers)
        if (
            response.status_code not in expected
            or response.headers["content-type"] != "application/problem+json"
        ):
            refused.append((method, path, response.status_code))

    assert refused == []
    assert client.get("/portfolio", headers=auth(world.owner)).json() == before


def test_an_investor_sees_only_their_own_portfolio_intents_and_transactions(
    client: TestClient, world: World
):
    stranger_view = client.get("/portfolio", headers=auth(world.stranger)).json()
    stranger_intents = client.get("/intents", headers=auth(world.stranger)).json()
    owner_intents = client.get("/intents", headers=auth(world.owner)).json()

    assert stranger_view["subscriptions"] == []
    assert stranger_intents == []
    assert [i["subscription_id"] for i in owner_intents] == [world.subscription]
