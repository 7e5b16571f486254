"""A smallcase's history chart and a manager's own list of every status, over the API."""

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bridge_api.db.models import Bar, Instrument, Role
from tests.bridge_api.factories import auth, make_user, published_smallcase


def _bars(session: Session, closes: dict[str, dict[date, str]]) -> None:
    for symbol, by_day in closes.items():
        session.add(Instrument(symbol=symbol, name=symbol, tick_size=Decimal("0.05")))
        session.flush()
        for day, close in by_day.items():
            price = Decimal(close)
            session.add(
                Bar(
                    symbol=symbol, day=day, open=price, high=price, low=price, close=price, volume=1
                )
            )
    session.flush()


def test_the_history_is_what_100_rupees_became_in_the_weights_and_in_equal_weights(
    client: TestClient, session: Session
):
    # HISA starts a day earlier, so the basket starts on 2 Jan, when both have a bar;
    # HISB has no bar on 4 Jan and counts at its 3 Jan close there.
    _bars(
        session,
        {
            "HISA": {
                date(2026, 1, 1): "90",
                date(2026, 1, 2): "100",
                date(2026, 1, 3): "110",
                date(2026, 1, 4): "120",
            },
            "HISB": {date(2026, 1, 2): "50", date(2026, 1, 3): "45", date(2026, 1, 5): "60"},
        },
    )
    manager, investor = make_user(session, role=Role.MANAGER), make_user(session)
    smallcase = published_smallcase(client, manager, "History", {"HISA": "60", "HISB": "40"})

    got = client.get(f"/smallcases/{smallcase}/history", headers=auth(investor))

    assert got.status_code == 200, got.text
    body = got.json()
    # By hand: 60 in HISA at 100 = 0.6 shares, 40 in HISB at 50 = 0.8 shares (model);
    # 50 and 50 = 0.5 and 1 share (equal weight). HISA on 5 Jan: its 4 Jan close, 120.
    # 3 Jan: 0.6 x 110 + 0.8 x 45 = 102;  0.5 x 110 + 1 x 45 = 100
    # 4 Jan: 0.6 x 120 + 0.8 x 45 = 108;  0.5 x 120 + 1 x 45 = 105
    # 5 Jan: 0.6 x 120 + 0.8 x 60 = 120;  0.5 x 120 + 1 x 60 = 120
    assert body["days"] == ["2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05"]
    assert body["model"] == ["100.00", "102.00", "108.00", "120.00"]
    assert body["equal_weight"] == ["100.00", "100.00", "105.00", "120.00"]
    assert body["periods"] == ["all"]
    assert body["version"] == 1


def test_a_period_starts_the_basket_again_a_year_before_the_last_bar(
    client: TestClient, session: Session
):
    _bars(
        session,
        {
            "HISC": {date(2024, 6, 3): "10", date(2025, 6, 2): "20", date(2026, 6, 2): "30"},
            "HISD": {date(2024, 6, 3): "40", date(2025, 6, 2): "40", date(2026, 6, 2): "20"},
        },
    )
    manager = make_user(session, role=Role.MANAGER)
    smallcase = published_smallcase(client, manager, "Periods", {"HISC": "50", "HISD": "50"})

    year = client.get(f"/smallcases/{smallcase}/history?period=1y", headers=auth(manager)).json()
    whole = client.get(f"/smallcases/{smallcase}/history", headers=auth(manager)).json()

    # All: 50 in HISC at 10 and 50 in HISD at 40 buy 5 and 1.25 shares;
    # 2025: 5 x 20 + 1.25 x 40 = 150; 2026: 5 x 30 + 1.25 x 20 = 175.
    assert whole["model"] == ["100.00", "150.00", "175.00"]
    # One year back from 2 Jun 2026 is 2 Jun 2025: 2.5 and 1.25 shares; 2.5 x 30 + 1.25 x 20.
    assert year["days"] == ["2025-06-02", "2026-06-02"]
    assert year["model"] == ["100.00", "100.00"]
    assert whole["periods"] == ["1y", "all"]


def test_the_history_is_empty_without_bars_for_every_stock(client: TestClient, session: Session):
    _bars(session, {"HISE": {date(2026, 1, 2): "10", date(2026, 1, 3): "11"}, "HISF": {}})
    manager = make_user(session, role=Role.MANAGER)
    smallcase = published_smallcase(client, manager, "Unpriced", {"HISE": "50", "HISF": "50"})

    body = client.get(f"/smallcases/{smallcase}/history", headers=auth(manager)).json()

    assert (body["days"], body["model"], body["equal_weight"]) == ([], [], [])


def test_an_unknown_or_unpublished_smallcase_has_no_history_for_others(
    client: TestClient, session: Session
):
    manager, investor = make_user(session, role=Role.MANAGER), make_user(session)
    draft = client.post(
        "/smallcase",
        headers=auth(manager),
        json={"name": "Hidden", "constituents": [{"symbol": "INFY", "weight": "100"}]},
    ).json()["id"]

    unknown = client.get("/smallcases/999999/history", headers=auth(investor))
    unpublished = client.get(f"/smallcases/{draft}/history", headers=auth(investor))
    own = client.get(f"/smallcases/{draft}/history", headers=auth(manager))
    bad_period = client.get(f"/smallcases/{draft}/history?period=5y", headers=auth(manager))

    for refused in (unknown, unpublished):
        assert refused.status_code == 404
        assert refused.headers["content-type"] == "application/problem+json"
    assert own.status_code == 200
    assert bad_period.status_code == 422
    assert bad_period.headers["content-type"] == "application/problem+json"


def test_a_manager_lists_their_own_smallcases_of_every_status(client: TestClient, session: Session):
    manager, other = make_user(session, role=Role.MANAGER), make_user(session, role=Role.MANAGER)
    admin = make_user(session, role=Role.ADMIN)
    published = published_smallcase(client, manager, "Mine published")
    archived = published_smallcase(client, manager, "Mine archived")
    client.post(f"/smallcase/{archived}/archive", headers=auth(manager))
    draft = client.post(
        "/smallcase",
        headers=auth(manager),
        json={"name": "Mine draft", "constituents": [{"symbol": "INFY", "weight": "100"}]},
    ).json()["id"]
    theirs = published_smallcase(client, other, "Theirs")

    everything = client.get("/smallcases/mine", headers=auth(manager)).json()
    drafts = client.get("/smallcases/mine?status=draft", headers=auth(manager)).json()
    for_admin = {s["id"] for s in client.get("/smallcases/mine", headers=auth(admin)).json()}

    assert [(s["name"], s["status"]) for s in everything] == [
        ("Mine archived", "archived"),
        ("Mine draft", "draft"),
        ("Mine published", "published"),
    ]
    assert [s["id"] for s in drafts] == [draft]
    assert {published, archived, draft, theirs} <= for_admin
