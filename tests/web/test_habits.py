"""The habits in the browser: a manager sets a smallcase's drift band and sees how many
subscriptions drifted beyond it; an investor sees the rebalance it proposed, starts a SIP
(refused at the field first) and pauses it, and finds a dividend and its TDS on the tax page.
The books are made directly (a batch filled at its limits, INFY doubling, a dividend posted):
no engine runs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.calendar import ist_today
from bridge_api.db.models import Subscription
from bridge_api.http.app import create_app
from bridge_api.http.deps import get_session, request_transaction
from bridge_api.portfolios.drift import propose_drift_rebalances
from tests.bridge_api.batch_life import double_infy, make_investors, run_batch
from tests.bridge_api.factories import PASSWORD, auth
from tests.web.browser import check_page, new_context
from tests.web.conftest import Bridge
from tests.web.test_journey import APP, sign_in

pytestmark = pytest.mark.integration


def _drifted_books(bridge: Bridge) -> tuple[str, str, int, int]:
    """Two investors whose smallcase drifted and paid a dividend on INFY: (the manager's
    e-mail, the first investor's, the smallcase, the first investor's subscription)."""
    session = bridge.sessions()
    app = create_app()

    def same_session() -> Iterator[Session]:
        with request_transaction(session):
            yield session

    app.dependency_overrides[get_session] = same_session
    try:
        with TestClient(app) as client:
            admin, manager, smallcase, investors = make_investors(
                client, session, ["100000.00"] * 2
            )
            run_batch(client, session, manager, smallcase)
            double_infy(session)
            session.commit()
            dividend = client.post(
                "/admin/corporate-actions",
                headers=auth(admin),
                json={
                    "kind": "dividend",
                    "symbol": "INFY",
                    "ex_date": "2026-11-26",
                    "record_date": "2026-11-26",
                    "per_share": "21.50",
                },
            ).json()["id"]
            posted = client.post(
                f"/admin/corporate-actions/{dividend}/post",
                headers=auth(admin),
                json={"posted_on": "2026-11-27", "credited": "540.00", "tds": "60.20"},
            )
            assert posted.status_code == 200, posted.text
        subscription = session.execute(
            select(Subscription.id).where(Subscription.user_id == investors[0].id)
        ).scalar_one()
        return manager.email, investors[0].email, smallcase, subscription
    finally:
        session.close()


def test_a_manager_sets_a_drift_band_and_an_investor_starts_and_pauses_a_sip(
    bridge: Bridge, browser: Browser
) -> None:
    manager_email, investor_email, smallcase, subscription = _drifted_books(bridge)

    context = new_context(browser, bridge.url)
    manager = context.new_page()
    sign_in(manager, manager_email, PASSWORD)
    manager.goto(f"{APP}/manage/smallcases/{smallcase}")
    band = manager.get_by_test_id("drift-band")
    expect(band).to_contain_text("No band set")
    band.get_by_label("Band (percentage points)").fill("0")
    band.get_by_label("Cooldown (days)").fill("30")
    band.get_by_role("button", name="Save band").click()
    expect(manager.locator("#band-points-error")).to_be_visible()  # refused at the field
    band.get_by_label("Band (percentage points)").fill("5")
    band.get_by_role("button", name="Save band").click()
    expect(band.get_by_role("status")).to_contain_text("Drift band saved")
    expect(manager.get_by_test_id("drift-count")).to_have_text("2")
    expect(manager.get_by_test_id("drift-worst")).to_contain_text("INFY")
    check_page(manager, "manager-drift-band")
    context.close()

    with bridge.sessions() as session, session.begin():  # the day's drift job
        assert len(propose_drift_rebalances(session, ist_today())) == 2

    context = new_context(browser, bridge.url)
    investor = context.new_page()
    sign_in(investor, investor_email, PASSWORD)
    investor.goto(f"{APP}/portfolio/{subscription}")
    expect(investor.get_by_test_id("drift-proposal")).to_contain_text("INFY")
    sips = investor.get_by_test_id("sips")
    expect(sips).to_contain_text("No SIP on this subscription yet")
    sips.get_by_label("Amount", exact=True).fill("1000")
    sips.get_by_label("Day of the month (1–28)").fill("31")
    sips.get_by_role("button", name="Start SIP").click()
    expect(investor.locator("#sip-day-error")).to_be_visible()  # refused at the field
    sips.get_by_label("Day of the month (1–28)").fill("5")
    sips.get_by_role("button", name="Start SIP").click()
    sip = sips.get_by_test_id("sip")
    expect(sip).to_contain_text("₹1,000.00")
    expect(sip).to_contain_text("active")
    check_page(investor, "investor-sip")
    sip.get_by_role("button", name="Pause").click()
    expect(sip).to_contain_text("paused")
    expect(sip.get_by_role("button", name="Resume")).to_be_visible()
    expect(sips.get_by_role("status")).to_contain_text(re.compile("SIP paused"))
    investor.get_by_role("navigation").get_by_role("link", name="Tax").click()
    dividends = investor.get_by_test_id("dividends")
    expect(dividends).to_contain_text("INFY")
    expect(dividends).to_contain_text("26 Nov 2026")  # the record date
    expect(investor.get_by_test_id("tds-total")).to_have_text("₹30.10")  # half the TDS each
    check_page(investor, "investor-tax-dividends")
    context.close()
