from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bridge_api.audit.service import records_for
from bridge_api.db.models import Role
from tests.bridge_api.factories import auth, make_user

BASKET = [
    {"symbol": "INFY", "weight": "40"},
    {"symbol": "TCS", "weight": "35.5"},
    {"symbol": "HDFCBANK", "weight": "24.5"},
]


def _create(client, manager, name="Tech leaders", constituents=BASKET):
    return client.post(
        "/smallcase", headers=auth(manager), json={"name": name, "constituents": constituents}
    )


def test_a_manager_creates_versions_and_publishes_a_smallcase(client: TestClient, session: Session):
    manager = make_user(session, role=Role.MANAGER)
    investor = make_user(session)
    created = _create(client, manager).json()

    hidden = client.get(f"/smallcase/{created['id']}", headers=auth(investor))
    changed = client.put(
        f"/smallcase/{created['id']}",
        headers=auth(manager),
        json={
            "constituents": [{"symbol": "INFY", "weight": "50"}, {"symbol": "TCS", "weight": "50"}],
            "note": "drop HDFCBANK",
        },
    ).json()
    client.post(f"/smallcase/{created['id']}/publish", headers=auth(manager))
    seen = client.get(f"/smallcase/{created['id']}", headers=auth(investor)).json()

    assert hidden.status_code == 404
    assert changed["version"] == 2
    assert [v["number"] for v in seen["versions"]] == [1, 2]
    assert seen["versions"][0]["constituents"] == [
        {"symbol": "HDFCBANK", "weight": "24.5000"},
        {"symbol": "INFY", "weight": "40.0000"},
        {"symbol": "TCS", "weight": "35.5000"},
    ]
    assert seen["status"] == "published"
    assert seen["validation"] == "valid"
    assert float(seen["minimum_investment"]) > 0
    assert set(seen["stats"]) == {"expected_annual_return", "annual_volatility", "days"}
    assert [r.action for r in records_for(session, "smallcase", created["id"])] == [
        "smallcase.create",
        "smallcase.version",
        "smallcase.published",
    ]


def test_every_composition_problem_is_reported_against_its_field(
    client: TestClient, session: Session
):
    manager = make_user(session, role=Role.MANAGER)

    response = _create(
        client,
        manager,
        constituents=[
            {"symbol": "INFY", "weight": "60"},
            {"symbol": "INFY", "weight": "30"},
            {"symbol": "NOPE", "weight": "-5"},
            {"symbol": "TCS", "weight": "0.00001"},
        ],
    )

    assert response.status_code == 422
    fields = {(e["field"], e["message"].split()[0]) for e in response.json()["errors"]}
    assert ("constituents.1.symbol", "'INFY'") in fields
    assert ("constituents.2.symbol", "unknown") in fields
    assert ("constituents.2.weight", "must") in fields
    assert ("constituents.3.weight", "at") in fields
    assert ("constituents", "weights") in fields


def test_weights_as_json_numbers_are_refused(client: TestClient, session: Session):
    manager = make_user(session, role=Role.MANAGER)

    response = _create(client, manager, constituents=[{"symbol": "INFY", "weight": 100}])

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "constituents.0.weight"


def test_only_its_manager_changes_a_smallcase_and_investors_cannot_create(
    client: TestClient, session: Session
):
    owner = make_user(session, role=Role.MANAGER)
    other = make_user(session, role=Role.MANAGER)
    investor = make_user(session)
    created = _create(client, owner).json()

    foreign_change = client.put(
        f"/smallcase/{created['id']}", headers=auth(other), json={"constituents": BASKET}
    )
    foreign_publish = client.post(f"/smallcase/{created['id']}/publish", headers=auth(other))
    investor_create = _create(client, investor, name="Mine")

    assert foreign_change.status_code == 403
    assert foreign_publish.status_code == 403
    assert investor_create.status_code == 403


def test_the_published_list_shows_only_published_smallcases(client: TestClient, session: Session):
    manager = make_user(session, role=Role.MANAGER)
    draft = _create(client, manager, name="Draft one").json()
    live = _create(client, manager, name="Live one").json()
    client.post(f"/smallcase/{live['id']}/publish", headers=auth(manager))

    listed = client.get("/smallcases", headers=auth(make_user(session))).json()

    ids = {s["id"] for s in listed}
    assert live["id"] in ids
    assert draft["id"] not in ids
