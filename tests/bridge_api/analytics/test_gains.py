"""Capital gains per financial year from the FIFO lots: the term by the holding period, the
section by the STT paid, totals per rule period (the rates changed on 23 July 2024), CSV, and
the route for the investor's own lots only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bridge_api.analytics import gains
from bridge_api.db.models import Cause, JournalEntry, Subscription, SubscriptionKind, User
from bridge_api.ledger.lots import add_lot, consume_fifo
from tests.bridge_api.factories import auth, make_user


def _lot(session: Session, sid: int, entry: int, bought: date, cost: str, *, stt: bool = True):
    add_lot(
        session,
        subscription_id=sid,
        symbol="INFY",
        acquired_on=bought,
        quantity=10,
        cost=Decimal(cost),
        entry_id=entry,
        stt_paid=stt,
    )


def _sell(session: Session, sid: int, entry: int, sold: date, proceeds: str, *, stt: bool = True):
    consume_fifo(
        session,
        subscription_id=sid,
        symbol="INFY",
        quantity=10,
        proceeds=Decimal(proceeds),
        sold_on=sold,
        entry_id=entry,
        stt_paid=stt,
    )


def _investor_with_sales(session: Session) -> User:
    user = make_user(session)
    subscription = Subscription(user_id=user.id, kind=SubscriptionKind.DIRECT)
    entry = JournalEntry(cause=Cause.CORRECTION, effective_on=date(2024, 1, 1))
    session.add_all([subscription, entry])
    session.flush()
    sid, e = subscription.id, entry.id
    _lot(session, sid, e, date(2023, 5, 10), "10000.00")  # held a year and a day: long
    _lot(session, sid, e, date(2023, 7, 1), "10000.00")  # held exactly a year: short
    _lot(session, sid, e, date(2024, 1, 15), "10000.00", stt=False)  # a crossing: no STT
    _lot(session, sid, e, date(2024, 2, 1), "10000.00")
    _sell(session, sid, e, date(2024, 5, 11), "12000.00")
    _sell(session, sid, e, date(2024, 7, 1), "11000.00")
    _sell(session, sid, e, date(2025, 1, 16), "9000.00")  # long, but bought without STT
    _sell(session, sid, e, date(2025, 4, 2), "10500.00")  # the next financial year
    session.flush()
    return user


def test_each_lot_sold_in_the_year_is_a_line_with_its_term_and_section(session: Session):
    user = _investor_with_sales(session)

    year = gains.lines(session, user, 2024)

    assert [(g.sold_on, g.term, g.section, g.gain) for g in year] == [
        (date(2024, 5, 11), "long", "112A", Decimal("2000.00")),
        (date(2024, 7, 1), "short", "111A", Decimal("1000.00")),
        (date(2025, 1, 16), "long", "no STT (normal rules)", Decimal("-1000.00")),
    ]
    assert [g.sold_on for g in gains.lines(session, user, 2025)] == [date(2025, 4, 2)]


def test_totals_follow_the_rule_in_force_on_each_sale_date(session: Session):
    user = _investor_with_sales(session)

    totals = gains.totals(gains.lines(session, user, 2024))

    assert [(t.section, t.rate, t.rule_from, t.gain) for t in totals] == [
        ("111A", Decimal("0.15"), date(2018, 4, 1), Decimal("1000.00")),
        ("112A", Decimal("0.10"), date(2018, 4, 1), Decimal("2000.00")),
        ("no STT (normal rules)", None, date(2024, 7, 23), Decimal("-1000.00")),
    ]
    assert gains.rule_on(date(2024, 7, 23)).short_rate == Decimal("0.20")
    assert gains.rule_on(date(2024, 7, 22)).long_exemption == Decimal("100000")


def test_the_route_gives_json_and_csv_of_the_investors_own_lots(
    client: TestClient, session: Session
):
    user, stranger = _investor_with_sales(session), make_user(session)

    body = client.get("/analytics/capital-gains", headers=auth(user), params={"fy": 2024})
    sheet = client.get(
        "/analytics/capital-gains", headers=auth(user), params={"fy": 2024, "format": "csv"}
    )
    nothing = client.get("/analytics/capital-gains", headers=auth(stranger), params={"fy": 2024})
    wrong = client.get("/analytics/capital-gains", headers=auth(user), params={"fy": 1900})

    assert body.status_code == 200, body.text
    assert body.json()["financial_year"] == "2024-25"
    assert body.json()["long_term_exemption"] == "125000.00"
    assert [line["gain"] for line in body.json()["lines"]] == ["2000.00", "1000.00", "-1000.00"]
    assert sheet.headers["content-type"].startswith("text/csv")
    rows = sheet.text.splitlines()
    assert rows[0].startswith("subscription,symbol,bought_on,sold_on")
    assert rows[1].endswith(",2023-05-10,2024-05-11,10,10000.00,12000.00,2000.00,long,112A")
    assert nothing.json()["lines"] == []
    assert wrong.status_code == 422


def test_the_route_gives_a_printable_page_with_the_lines_and_the_exemption(
    client: TestClient, session: Session
):
    user = _investor_with_sales(session)

    page = client.get(
        "/analytics/capital-gains", headers=auth(user), params={"fy": 2024, "format": "html"}
    )

    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "Capital gains 2024-25" in text
    assert text.count("<td>INFY</td>") == 3  # the sale of April 2025 is the next year's
    assert "₹12,000.00" in text
    assert "-₹1,000.00" in text
    # 112A: the one long-term line with STT on both legs; the exemption of the year's end
    assert '<td class="n">₹2,000.00</td><td class="n">₹1,25,000.00</td>' in text
    assert '<td class="n">₹0.00</td></tr>' in text  # nothing above the exemption
