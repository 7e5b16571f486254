"""The journey in a real browser against the real bridge on PostgreSQL: an investor signs up
and submits KYC; an admin verifies it and records a pay-in; the investor invests; a manager
creates, previews and approves the batch and watches it trade through the paper venue; the
investor then sees holdings, P&L and activity. Each main page is checked with axe-core and
screenshotted at desktop and phone width (web/screenshots/)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from playwright.sync_api import Browser, Page, expect

from bridge_api.demo.scenario import SECOND_DAY
from tests.web.browser import check_page, new_context
from tests.web.conftest import Bridge

pytestmark = pytest.mark.integration

PASSWORD = "saras-demo-password"
APP = "/app"


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{APP}/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_investor_admin_manager_investor(bridge: Bridge, browser: Browser) -> None:
    investor_ctx = new_context(browser, bridge.url)
    investor = investor_ctx.new_page()

    # The investor signs up; the app takes them to KYC, where the PAN is checked as typed.
    investor.goto(f"{APP}/signup")
    expect(investor.get_by_role("heading", name="Create an account")).to_be_visible()
    check_page(investor, "signup")
    investor.get_by_label("Full name").fill("Priya Nair")
    investor.get_by_label("Email", exact=True).fill("priya@example.in")
    investor.get_by_label("Password", exact=True).fill("a-long-enough-password")
    investor.get_by_role("button", name="Create account").click()
    expect(investor).to_have_url(re.compile(r"/app/kyc$"))
    investor.get_by_label("PAN", exact=True).fill("ABCP1")
    expect(investor.get_by_text("Characters 1–5 and 10 of a PAN are letters.")).to_be_visible()
    investor.get_by_label("PAN", exact=True).fill("abcpn1234k")
    expect(investor.get_by_label("PAN", exact=True)).to_have_value("ABCPN1234K")
    expect(investor.get_by_text("Characters 1–5 and 10 of a PAN are letters.")).to_have_count(0)
    investor.get_by_label("Legal name (as on PAN)").fill("PRIYA NAIR")
    investor.get_by_label("Date of birth").fill("1990-05-17")
    check_page(investor, "investor-kyc-form")
    investor.get_by_role("button", name="Submit KYC").click()
    expect(investor.get_by_test_id("kyc-status")).to_contain_text("pending")
    investor_id = investor.get_by_test_id("investor-id").inner_text().strip()

    # The admin verifies the KYC from the queue and records a pay-in.
    admin_ctx = new_context(browser, bridge.url)
    admin = admin_ctx.new_page()
    sign_in(admin, "admin@saras.demo")
    expect(admin).to_have_url(re.compile(r"/app/admin$"))
    check_page(admin, "admin-overview")
    admin.get_by_role("navigation").get_by_role("link", name="KYC queue").click()
    item = admin.get_by_test_id("kyc-item").filter(has_text="priya@example.in")
    expect(item).to_contain_text("******234K")  # only the PAN's last four are shown
    check_page(admin, "admin-kyc-queue")
    item.get_by_role("button", name="Verify").click()
    expect(admin.get_by_role("status")).to_contain_text(f"KYC of investor {investor_id} verified")
    expect(admin.get_by_test_id("kyc-item").filter(has_text="priya@example.in")).to_have_count(0)

    admin.get_by_role("navigation").get_by_role("link", name="Cash").click()
    expect(admin.locator(f'#user option[value="{investor_id}"]')).to_have_count(1)
    admin.get_by_label("Investor", exact=True).select_option(investor_id)
    admin.get_by_label("Amount", exact=True).fill("60000")
    admin.get_by_label("Bank reference (UTR)").fill("UTR0000123")
    check_page(admin, "admin-cash")
    admin.get_by_role("button", name="Record pay-in").click()
    expect(admin.get_by_role("status")).to_contain_text("Pay-in of ₹60000 recorded")
    expect(admin.get_by_test_id("cash")).to_contain_text("UTR0000123")

    # The investor finds Nifty Leaders, sees what is inside, and invests.
    investor.get_by_role("navigation").get_by_role("link", name="Discover").click()
    expect(investor.get_by_test_id("smallcases")).to_be_visible()
    check_page(investor, "investor-discover")
    investor.get_by_role("link", name="Nifty Leaders").click()
    expect(investor.get_by_test_id("composition")).to_contain_text("RELIANCE")
    check_page(investor, "investor-smallcase")
    investor.get_by_label("Amount", exact=True).fill("1")
    investor.get_by_role("button", name="Invest").click()
    expect(investor.locator("#amount-error")).to_be_visible()  # refused at the field
    investor.get_by_label("Amount", exact=True).fill("50000")
    investor.get_by_role("button", name="Invest").click()
    expect(investor).to_have_url(re.compile(r"/app/intents"))
    expect(investor.get_by_test_id("intents")).to_contain_text("pending")
    check_page(investor, "investor-orders-pending")

    # The manager batches it, reads the preview, approves, and watches it trade.
    manager_ctx = new_context(browser, bridge.url)
    manager = manager_ctx.new_page()
    sign_in(manager, "manager@saras.demo")
    expect(manager).to_have_url(re.compile(r"/app/manage$"))
    check_page(manager, "manager-smallcases")
    manager.get_by_test_id("my-smallcases").get_by_role(
        "row", name=re.compile("Nifty Leaders")
    ).get_by_role("link", name="New batch").click()
    check_page(manager, "manager-new-batch")
    manager.get_by_role("button", name="Create and preview").click()
    expect(manager.get_by_test_id("batch-state")).to_contain_text("draft")
    expect(manager.get_by_test_id("targets").first).to_contain_text("RELIANCE")
    check_page(manager, "manager-batch-preview")
    manager.get_by_role("button", name="Approve").click()
    expect(manager.get_by_test_id("batch-state")).to_contain_text("ready")

    engine = subprocess.run(
        [sys.executable, "-m", "saras", "engine", "run", "--paper-day", SECOND_DAY.isoformat()],
        env=bridge.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert engine.returncode == 0, engine.stderr[-3000:]
    expect(manager.get_by_test_id("batch-state")).to_contain_text(
        re.compile("completed"), timeout=30_000
    )
    expect(manager.get_by_test_id("orders")).to_be_visible()
    expect(manager.get_by_test_id("slices-sent")).not_to_have_text("0")
    check_page(manager, "manager-batch-done")

    # The investor sees the shares, the P&L and the activity.
    investor.get_by_role("navigation").get_by_role("link", name="Portfolio").click()
    holdings = investor.get_by_test_id("holdings").first
    expect(holdings).to_contain_text("RELIANCE")
    expect(investor.get_by_test_id("portfolio-totals")).to_contain_text("₹")
    check_page(investor, "investor-portfolio")
    investor.get_by_test_id("subscription").first.get_by_role("link").first.click()
    expect(investor.get_by_test_id("holdings")).to_contain_text("RELIANCE")
    expect(investor.get_by_test_id("lots")).to_contain_text("RELIANCE")  # its open FIFO lots
    check_page(investor, "investor-subscription")
    investor.get_by_role("navigation").get_by_role("link", name="Activity").click()
    expect(investor.get_by_test_id("activity")).to_contain_text("RELIANCE")
    check_page(investor, "investor-activity")
    investor.get_by_role("navigation").get_by_role("link", name="Orders").click()
    expect(investor.get_by_test_id("intents")).not_to_contain_text("pending")
    check_page(investor, "investor-orders")
    investor.get_by_role("navigation").get_by_role("link", name="Tax").click()
    expect(investor.get_by_role("heading", name="Tax: realised capital gains")).to_be_visible()
    check_page(investor, "investor-tax")

    # The worker delivers the allocation to the investor's inbox; reading it clears the count.
    worker = subprocess.Popen(
        [sys.executable, "-m", "saras", "worker", "--no-schedule"],
        env=bridge.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        investor.get_by_role("navigation").get_by_role("link", name="Inbox").click()
        for _ in range(60):
            if investor.get_by_test_id("inbox").count():
                break
            investor.wait_for_timeout(1000)
            investor.get_by_role("navigation").get_by_role("link", name="Orders").click()
            investor.get_by_role("navigation").get_by_role("link", name="Inbox").click()
        expect(investor.get_by_test_id("inbox")).to_contain_text("RELIANCE")
        check_page(investor, "investor-inbox")
        investor.get_by_role("button", name="Mark all read").click()
        expect(investor.get_by_test_id("unread")).to_have_count(0)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    for context in (investor_ctx, admin_ctx, manager_ctx):
        context.close()
