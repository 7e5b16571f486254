"""Role checks in the browser: a page of another role is refused plainly (and the API would
refuse it too), a signed-out visitor is sent to sign in and back, and a reload keeps the
session through the refresh cookie, never through localStorage."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.web.browser import check_page, new_context
from tests.web.conftest import Bridge
from tests.web.test_journey import APP, sign_in

pytestmark = pytest.mark.integration


def test_each_role_is_refused_the_others_pages(bridge: Bridge, browser: Browser) -> None:
    context = new_context(browser, bridge.url)
    page = context.new_page()

    page.goto(f"{APP}/portfolio")
    expect(page).to_have_url(re.compile(r"/app/login\?next=%2Fapp%2Fportfolio$"))
    check_page(page, "signin")
    sign_in(page, "asha@saras.demo")
    expect(page).to_have_url(re.compile(r"/app/portfolio$"))

    # A reload keeps the session (refresh cookie), and no token is left in web storage.
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    stored = page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert "eyJ" not in stored  # no JWT

    for path in ("/manage", "/manage/batches/new", "/admin", "/admin/kyc"):
        page.goto(f"{APP}{path}")
        expect(page.get_by_role("heading", name="This page is not for your role")).to_be_visible()
        expect(page.get_by_text("you are signed in as an investor")).to_be_visible()
    check_page(page, "refused")
    page.get_by_role("link", name="Go to your home page").click()
    expect(page).to_have_url(re.compile(r"/app/portfolio$"))

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/app/login$"))
    page.goto(f"{APP}/portfolio")
    expect(page).to_have_url(re.compile(r"/app/login"))

    sign_in(page, "manager@saras.demo")
    page.goto(f"{APP}/admin/users")
    expect(page.get_by_text("you are signed in as a manager")).to_be_visible()
    page.goto(f"{APP}/portfolio")
    expect(page.get_by_role("heading", name="This page is not for your role")).to_be_visible()
    context.close()


def test_hindi(bridge: Bridge, browser: Browser) -> None:
    context = new_context(browser, bridge.url)
    page = context.new_page()
    sign_in(page, "vikram@saras.demo")
    page.get_by_label("Language").select_option("hi")
    expect(page.get_by_role("heading", name="पोर्टफ़ोलियो")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    page.get_by_role("navigation").get_by_role("link", name="स्मॉलकेस खोजें").or_(
        page.get_by_role("navigation").get_by_role("link", name="खोजें")
    ).first.click()
    expect(page.get_by_role("heading", name="स्मॉलकेस खोजें")).to_be_visible()
    check_page(page, "investor-discover-hindi")
    context.close()
