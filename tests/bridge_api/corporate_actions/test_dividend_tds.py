"""A posted dividend tells each investor their gross, TDS and net in the posting's
transaction, and the investor's TDS view lists exactly what their own books received."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import select

from bridge_api.db.models import CorporateActionEntitlement, NotificationEvent, Subscription
from bridge_api.notifications.events import EventKind
from bridge_api.notifications.templates import render
from tests.bridge_api.batch_life import make_investors, run_batch
from tests.bridge_api.factories import auth, make_user

EX = "2026-11-26"


def test_a_dividend_tells_each_holder_and_shows_in_their_own_tds_view(client, session):
    admin, manager, smallcase, investors = make_investors(
        client, session, ["100000.00", "250000.00"]
    )
    stranger = make_user(session)
    run_batch(client, session, manager, smallcase)  # INFY bought the session before EX
    action = client.post(
        "/admin/corporate-actions",
        headers=auth(admin),
        json={
            "kind": "dividend",
            "symbol": "INFY",
            "ex_date": EX,
            "record_date": EX,
            "per_share": "21.50",
        },
    ).json()["id"]
    posted = client.post(
        f"/admin/corporate-actions/{action}/post",
        headers=auth(admin),
        json={"posted_on": "2026-11-27", "credited": "1000.00", "tds": "11.11"},
    )
    assert posted.status_code == 200, posted.text
    again = client.post(
        f"/admin/corporate-actions/{action}/post",
        headers=auth(admin),
        json={"posted_on": "2026-11-27", "credited": "1000.00", "tds": "11.11"},
    )
    assert again.status_code == 409

    rows = {
        r.subscription_id: r
        for r in session.execute(
            select(CorporateActionEntitlement).where(CorporateActionEntitlement.action_id == action)
        ).scalars()
    }
    owner = dict(
        session.execute(
            select(Subscription.user_id, Subscription.id).where(
                Subscription.user_id.in_([i.id for i in investors])
            )
        ).all()
    )
    [event] = session.execute(
        select(NotificationEvent).where(NotificationEvent.kind == str(EventKind.DIVIDEND_CREDITED))
    ).scalars()
    assert event.recipients == sorted(i.id for i in investors)
    first = investors[0]
    mine = rows[owner[first.id]]
    assert event.data["per_user"][str(first.id)] == {
        "held": mine.held,
        "gross": str(mine.gross),
        "tds": str(mine.tds),
        "net": str(mine.cash),
    }
    message = render(event.kind, event.data, user_id=first.id)
    assert message.title == f"Dividend of ₹{mine.cash:,.2f} credited: INFY"
    assert f"₹21.5000 a share on the {mine.held} shares" in message.text
    assert f"₹{mine.tds:,.2f} tax deducted at source" in message.text
    assert "record date 2026-11-26" in message.text

    view = client.get("/analytics/tds?fy=2026", headers=auth(first))
    other_year = client.get("/analytics/tds?fy=2025", headers=auth(first)).json()
    strangers = client.get("/analytics/tds?fy=2026", headers=auth(stranger)).json()
    as_csv = client.get("/analytics/tds?fy=2026&format=csv", headers=auth(first))
    bad_year = client.get("/analytics/tds?fy=1999", headers=auth(first))

    assert view.status_code == 200, view.text
    body = view.json()
    assert body["financial_year"] == "2026-27"
    [line] = body["lines"]  # their own subscription only
    assert line["subscription_id"] == owner[first.id]
    assert (line["ex_date"], line["record_date"], line["paid_on"]) == (EX, EX, "2026-11-27")
    assert (Decimal(line["gross"]), Decimal(line["tds"]), Decimal(line["net"])) == (
        mine.gross,
        mine.tds,
        mine.cash,
    )
    assert Decimal(line["gross"]) - Decimal(line["tds"]) == Decimal(line["net"])
    assert body["totals"] == {"gross": line["gross"], "tds": line["tds"], "net": line["net"]}
    assert other_year["lines"] == []
    assert strangers["lines"] == []
    assert strangers["totals"]["tds"] == "0.00"
    table = list(csv.reader(io.StringIO(as_csv.text)))
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert table[1][8:] == [line["gross"], line["tds"], line["net"]]
    assert table[-1][0] == "total"
    assert bad_year.status_code == 422
    assert bad_year.headers["content-type"] == "application/problem+json"
