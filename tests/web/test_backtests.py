"""A manager queues a backtest in the browser, a ``saras worker`` runs it, the run page shows
its figures, and the full report opens in a new tab and draws its charts under its own
policy (this browser profile does not bypass content security policies)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from bridge_api.db.models import Smallcase
from tests.web.browser import DESKTOP, shoot
from tests.web.conftest import Bridge
from tests.web.test_journey import APP, sign_in

pytestmark = pytest.mark.integration


def test_a_manager_runs_a_backtest_and_opens_its_report(bridge: Bridge, browser: Browser) -> None:
    with bridge.sessions() as session:
        smallcase_id = session.execute(
            select(Smallcase.id).where(Smallcase.name == "IT Bellwethers")
        ).scalar_one()
    worker = subprocess.Popen(  # its log unread: to DEVNULL, so a full pipe cannot stall it
        [sys.executable, "-m", "saras", "worker", "--no-schedule", "--poll-seconds", "0.5"],
        env=bridge.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    context = browser.new_context(base_url=bridge.url, viewport=DESKTOP)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_in(page, "manager@saras.demo")
        page.goto(f"{APP}/manage/smallcases/{smallcase_id}")
        expect(page.get_by_role("heading", name="Backtest")).to_be_visible()
        expect(page.get_by_text("No backtests yet")).to_be_visible()
        page.get_by_label("From", exact=True).fill("2026-10-26")
        page.get_by_label("To", exact=True).fill("2026-11-20")
        page.get_by_label("Simulated subscribers").fill("2")
        page.get_by_role("button", name="Run backtest").click()
        runs = page.get_by_test_id("backtests")
        expect(runs.get_by_role("row")).to_have_count(2)  # the header and the run
        expect(runs.get_by_text("completed")).to_be_visible(timeout=300_000)  # polled

        runs.get_by_role("link", name=re.compile(r"^#\d+$")).click()
        figures = page.get_by_test_id("backtest-figures")
        expect(figures.get_by_text("Max drawdown")).to_be_visible()
        expect(page.locator("canvas").first).to_be_visible()  # the value chart
        shoot(page, "manager-backtest")

        with context.expect_page() as opened:
            page.get_by_role("button", name="Open full report").click()
        report = opened.value
        report.wait_for_load_state()
        expect(report.get_by_role("heading", name="IT Bellwethers", exact=True)).to_be_visible()
        expect(report.locator(".js-plotly-plot .main-svg").first).to_be_attached()  # drawn
        assert "/backtests/" in report.url
        assert "token" not in report.url
    finally:
        context.close()
        worker.terminate()
        worker.wait(timeout=60)
