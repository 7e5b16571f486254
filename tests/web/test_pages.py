"""Pages outside the journey, in a real browser against the real bridge on PostgreSQL: a
smallcase's history chart and its periods, a manager's smallcases of every status behind
filter tabs, and the notification settings every role has (channels, a webhook and its
secret shown once), each checked with axe-core and screenshotted, in Hindi too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from bridge_api.db.models import Smallcase, SmallcaseStatus, User
from bridge_api.smallcases import service
from tests.web.browser import check_page, new_context
from tests.web.conftest import Bridge
from tests.web.test_journey import APP, sign_in

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class _Weight:
    symbol: str
    weight: Decimal


def test_a_smallcase_shows_its_history_in_both_languages(bridge: Bridge, browser: Browser) -> None:
    context = new_context(browser, bridge.url)
    page = context.new_page()
    sign_in(page, "asha@saras.demo")
    page.get_by_role("navigation").get_by_role("link", name="Discover").click()
    page.get_by_role("link", name="Nifty Leaders").click()

    chart = page.get_by_test_id("history-chart")
    expect(chart.locator("canvas")).to_be_visible()
    expect(page.get_by_test_id("history-summary")).to_contain_text("₹100")
    year = page.get_by_test_id("history-summary").inner_text()
    page.get_by_test_id("periods").get_by_role("button", name="All").click()
    expect(page.get_by_role("button", name="All")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("history-summary")).not_to_have_text(year)
    check_page(page, "investor-smallcase-history")

    page.locator("#lang").select_option("hi")
    expect(page.get_by_role("heading", name="पिछला प्रदर्शन")).to_be_visible()
    expect(page.get_by_text("प्रकाशित", exact=True)).to_be_visible()  # the status chip
    expect(page.get_by_test_id("history-chart").locator("canvas")).to_be_visible()
    check_page(page, "investor-smallcase-hindi")
    context.close()


def test_a_manager_finds_drafts_and_archived_smallcases(bridge: Bridge, browser: Browser) -> None:
    with bridge.sessions() as session, session.begin():
        manager = session.execute(
            select(User).where(User.email == "manager@saras.demo")
        ).scalar_one()
        service.create(  # a draft
            session,
            manager,
            name="Midcap ideas",
            description="Not published yet",
            constituents=[_Weight("TITAN", Decimal(50)), _Weight("WIPRO", Decimal(50))],
            note="first",
        )
        retired = session.execute(
            select(Smallcase).where(
                Smallcase.name != "Nifty Leaders", Smallcase.name != "Midcap ideas"
            )
        ).scalar_one()
        service.set_status(session, manager, retired.id, SmallcaseStatus.ARCHIVED)
        retired_name = retired.name

    context = new_context(browser, bridge.url)
    page = context.new_page()
    sign_in(page, "manager@saras.demo")
    listed = page.get_by_test_id("my-smallcases")
    expect(listed.get_by_role("row")).to_have_count(4)  # the header and three smallcases
    tabs = page.get_by_test_id("status-filter")
    tabs.get_by_role("button", name=re.compile("Drafts")).click()
    expect(listed.get_by_role("row")).to_have_count(2)
    expect(listed).to_contain_text("Midcap ideas")
    check_page(page, "manager-smallcases-drafts")
    tabs.get_by_role("button", name=re.compile("Archived")).click()
    expect(listed).to_contain_text(retired_name)
    expect(listed.get_by_role("link", name="New batch")).to_have_count(0)
    listed.get_by_role("link", name=retired_name).click()
    expect(page.get_by_role("heading", name=retired_name)).to_be_visible()
    expect(page.get_by_test_id("history-chart").locator("canvas")).to_be_visible()
    check_page(page, "manager-smallcase-archived")
    context.close()


def _settings(page: Page, name: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Notification settings")).to_be_visible()
    check_page(page, name)


def test_every_role_sets_its_notifications_and_a_webhook(bridge: Bridge, browser: Browser) -> None:
    context = new_context(browser, bridge.url)
    page = context.new_page()
    sign_in(page, "asha@saras.demo")
    _settings(page, "investor-settings")
    email = page.get_by_label("Money received: E-mail")
    expect(email).to_be_checked()
    email.uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Money received: E-mail")).not_to_be_checked()
    expect(page.get_by_label("Money received: Inbox")).to_be_checked()

    page.get_by_label("Webhook URL").fill("ftp://example.in/hook")
    page.get_by_role("button", name="Register webhook").click()
    expect(page.get_by_test_id("webhook").get_by_role("alert")).to_contain_text("http")
    page.get_by_label("Webhook URL").fill("https://example.in/saras")
    page.get_by_role("button", name="Register webhook").click()
    secret = page.get_by_test_id("webhook-secret").locator("code")
    expect(secret).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(page.get_by_test_id("webhook")).to_contain_text("https://example.in/saras")
    check_page(page, "investor-settings-webhook")
    page.reload()  # the secret is never shown again
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
    page.get_by_role("button", name="Remove webhook").click()
    expect(page.get_by_label("Webhook URL")).to_be_visible()

    page.locator("#lang").select_option("hi")
    page.get_by_role("navigation").get_by_role("link", name="सेटिंग्स").click()
    expect(page.get_by_role("heading", name="सूचना सेटिंग्स")).to_be_visible()
    expect(page.get_by_text("लाभांश जमा हुआ")).to_be_visible()  # every kind has its words
    check_page(page, "investor-settings-hindi")
    page.locator("#lang").select_option("en")
    page.get_by_role("button", name="Sign out").click()

    for email_address, name in (
        ("manager@saras.demo", "manager-settings"),
        ("admin@saras.demo", "admin-settings"),
    ):
        sign_in(page, email_address)
        _settings(page, name)
        page.get_by_role("button", name="Sign out").click()
    # An operator also chooses where the operator's alerts go.
    sign_in(page, "admin@saras.demo")
    page.goto(f"{APP}/settings/notifications")
    expect(page.get_by_label("Engine halted: Webhook")).to_be_visible()
    context.close()
