"""Allocation notes: when a batch ends, each subscription that took part gets one immutable
note of the orders it was in, the shares and average price it received, its charges by
component and the cash it moved; an investor reads only their own. Real path: the engine,
the paper venue and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.paper import PaperVenue
from bridge_api.db.models import AllocationNote, User
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.execution.clocks import PaperClock
from bridge_api.execution.engine import Engine, EngineConfig
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.formats import rupees
from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session
from tests.bridge_api.execution.support import INVESTORS, ready_batch
from tests.bridge_api.factories import auth


def test_each_participant_gets_one_note_of_what_it_received(committed: sessionmaker[Session]):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    venue = PaperVenue(committed, session_day=FIRST_DAY)
    Engine(
        committed,
        venue,
        PaperClock(venue),
        limiter=OrderRateLimiter(committed, limits=RateLimits(per_second=1000, per_minute=10**5)),
        config=EngineConfig(trade_date=FIRST_DAY),
    ).run()
    app = create_app()

    def own_session():
        with committed() as session, session.begin():
            yield session

    app.dependency_overrides[get_session] = own_session
    with committed() as session:
        asha, meera = (
            session.execute(select(User).where(User.email == email)).scalar_one()
            for email in ("asha@saras.demo", "meera@saras.demo")
        )
        notes = session.execute(select(AllocationNote)).scalars().all()
    with TestClient(app) as client:
        listed = client.get("/allocation-notes", headers=auth(asha, committed))
        (mine,) = listed.json()
        one = client.get(
            f"/allocation-notes/{batch}/{mine['subscription_id']}", headers=auth(asha, committed)
        )
        theirs = client.get(
            f"/allocation-notes/{batch}/{mine['subscription_id']}", headers=auth(meera, committed)
        )
        page = client.get(
            f"/allocation-notes/{batch}/{mine['subscription_id']}",
            params={"format": "html"},
            headers=auth(asha, committed),
        )

    assert len(notes) == len(INVESTORS)
    body = one.json()["body"]
    assert body["batch"] == batch
    assert body["trade_date"] == str(FIRST_DAY)
    assert len(body["orders"]) == 6
    spent = Decimal(0)
    for order in body["orders"]:
        assert order["side"] == "BUY"
        assert order["quantity"] == order["requested"] > 0
        value = Decimal(order["value"])
        assert Decimal(order["average_price"]) == (value / order["quantity"]).quantize(
            Decimal("0.0001")
        )
        assert sum(Decimal(v) for v in order["charges"].values()) == Decimal(order["charges_paid"])
        assert {"stt", "stamp", "exchange"} <= set(order["charges"])
        spent += value + Decimal(order["charges_paid"])
    assert Decimal(body["cash_moved"]) == -spent
    assert theirs.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.count("<td>BUY</td>") == 6
    assert f"Cash moved: <strong>{rupees(Decimal(body['cash_moved']))}</strong>" in page.text
    with committed() as session, pytest.raises(DBAPIError, match="permission denied"):
        session.execute(text("UPDATE allocation_notes SET body = '{}'"))
