"""The monthly statement on a ledger the engine built: each book closes at its opening plus the
month's lines, exactly; charges and realised gains are the month's; the route shows the
investor's own books only and refuses a month that does not exist."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.analytics import report, statements
from bridge_api.calendar import ist_today
from bridge_api.db.models import Smallcase, User
from bridge_api.demo.scenario import FIRST_DAY, SECOND_DAY
from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session
from bridge_api.portfolios import views
from tests.bridge_api.execution.support import INVESTORS, paper_day, ready_batch
from tests.bridge_api.execution.test_trading_days import _exit
from tests.bridge_api.factories import auth


def _traded(committed: sessionmaker[Session]) -> None:
    ready_batch(committed, INVESTORS, FIRST_DAY)
    paper_day(committed, FIRST_DAY)
    _exit(committed, "asha@saras.demo", SECOND_DAY)
    paper_day(committed, SECOND_DAY)


def test_each_book_closes_at_its_opening_plus_the_months_lines(committed: sessionmaker[Session]):
    _traded(committed)
    today = ist_today()

    with committed() as session:
        vikram = session.execute(select(User).where(User.email == "vikram@saras.demo")).scalar_one()
        november = statements.monthly(session, vikram, 2026, 11)
        this_month = statements.monthly(session, vikram, today.year, today.month)
        portfolio = views.portfolio(session, vikram)

    for month in (november, this_month):
        moved: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for line in month.lines:
            moved[(line.book, line.asset)] += line.amount
        for book in set(month.opening) | set(month.closing):
            opening = month.opening.get(book, statements.Position())
            closing = month.closing.get(book, statements.Position())
            assert closing.cash == opening.cash + moved[(book, "INR")]
            for symbol in set(opening.shares) | set(closing.shares):
                assert closing.shares.get(symbol, 0) == opening.shares.get(symbol, 0) + int(
                    moved[(book, symbol)]
                )
    assert november.charges > 0  # the trades of 18 and 20 November
    assert all(FIRST_DAY <= line.day <= SECOND_DAY for line in november.lines)
    (held,) = [p for p in this_month.closing.values() if p.shares]
    assert held.shares == {h.symbol: h.quantity for h in portfolio.subscriptions[0].holdings}


def test_the_route_shows_the_investors_own_month(committed: sessionmaker[Session]):
    _traded(committed)
    app = create_app()

    def own_session():
        with committed() as session, session.begin():
            yield session

    app.dependency_overrides[get_session] = own_session
    with committed() as session:
        asha = session.execute(select(User).where(User.email == "asha@saras.demo")).scalar_one()
    with TestClient(app) as client:
        month = client.get("/analytics/statements/2026/11", headers=auth(asha, committed))
        wrong = client.get("/analytics/statements/2026/13", headers=auth(asha, committed))
        sheet = client.get(
            "/analytics/statements/2026/11",
            params={"format": "csv"},
            headers=auth(asha, committed),
        )
        page = client.get(
            "/analytics/statements/2026/11",
            params={"format": "html"},
            headers=auth(asha, committed),
        )

    assert month.status_code == 200, month.text
    body = month.json()
    assert body["first"] == "2026-11-01"
    assert body["last"] == "2026-11-30"
    assert Decimal(body["realised"]) != 0  # Asha's exit sold everything on 20 November
    assert {line["book"] for line in body["lines"]} <= {
        f"investor:{asha.id}",
        *(name for name in body["closing"] if name.startswith("subscription:")),
    }
    assert wrong.status_code == 422
    rows = sheet.text.splitlines()
    assert sheet.headers["content-type"].startswith("text/csv")
    assert rows[0] == "day,entry,cause,memo,book,asset,amount"
    assert len(rows) == 1 + len(body["lines"])
    assert sum(Decimal(r.split(",")[-1]) for r in rows[1:] if ",INR," in r) == sum(
        Decimal(line["amount"]) for line in body["lines"] if line["asset"] == "INR"
    )
    assert page.headers["content-type"].startswith("text/html")
    assert "Statement for November 2026" in page.text
    assert page.text.count("<tr>") >= len(body["lines"]) + 1


def test_a_manager_sees_the_spread_of_their_smallcases_subscriptions(
    committed: sessionmaker[Session],
):
    _traded(committed)  # Asha exited; Vikram still holds Nifty Leaders
    app = create_app()

    def own_session():
        with committed() as session, session.begin():
            yield session

    app.dependency_overrides[get_session] = own_session
    with committed() as session:
        manager, vikram = (
            session.execute(select(User).where(User.email == email)).scalar_one()
            for email in ("manager@saras.demo", "vikram@saras.demo")
        )
        leaders = session.execute(
            select(Smallcase.id).where(Smallcase.name == "Nifty Leaders")
        ).scalar_one()
        own = report.for_investor(session, vikram, until=ist_today())[1][0][1]
    with TestClient(app) as client:
        spread = client.get(f"/analytics/smallcases/{leaders}", headers=auth(manager, committed))
        refused = client.get(f"/analytics/smallcases/{leaders}", headers=auth(vikram, committed))

    assert spread.status_code == 200, spread.text
    body = spread.json()
    assert body["subscriptions"] == 1  # the exit closed Asha's
    assert body["value"] == f"{own.identity.value:.2f}"
    assert body["returns"]["low"] == body["returns"]["high"] == own.performance.time_weighted
    assert body["excess"]["median"] == own.performance.time_weighted - own.tracking.model_return
    assert refused.status_code == 403
