"""The manager's Suggestions panel in the browser: a proposal with its reasons and the
synthetic-data caveat, its backtest queued for the worker (linked to its run page, which names
the suggestion), accepted as a new version that trades nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import func, select

from bridge_api.db.models import BacktestRecord, Intent, Smallcase
from tests.web.browser import check_page, new_context
from tests.web.conftest import Bridge
from tests.web.test_journey import APP, sign_in

pytestmark = pytest.mark.integration


def test_a_manager_reads_a_suggestion_and_accepts_it(bridge: Bridge, browser: Browser) -> None:
    with bridge.sessions() as session:
        leaders = session.execute(
            select(Smallcase.id).where(Smallcase.name == "Nifty Leaders")
        ).scalar_one()
    context = new_context(browser, bridge.url)
    page = context.new_page()
    sign_in(page, "manager@saras.demo")
    page.goto(f"{APP}/manage/smallcases/{leaders}")

    page.get_by_role("button", name="Suggest a change").click()

    lines = page.get_by_test_id("suggestion-lines")
    expect(lines).to_be_visible()
    expect(page.get_by_test_id("suggestion-caveat")).to_contain_text("SYNTHETIC DATA")
    expect(lines).to_contain_text("momentum")
    expect(lines.get_by_role("cell", name="Remove").first).to_be_visible()
    check_page(page, "manager-suggestions")
    page.get_by_role("button", name="Backtest this suggestion").click()
    queued = page.get_by_test_id("suggestion-backtest")
    expect(queued).to_contain_text("queued")  # no worker runs in this test
    expect(queued).to_contain_text("Waiting for a worker")
    link = queued.get_by_role("link", name=re.compile(r"^Backtest #\d+$"))
    run_id = int(link.inner_text().split("#")[1])
    with bridge.sessions() as session:
        run = session.get_one(BacktestRecord, run_id)
        suggestion_id = run.parameters["suggestion_id"]
        assert run.smallcase_id == leaders
        assert run.status == "queued"
    page.get_by_role("button", name="Accept as new version").click()
    expect(page.get_by_text("Accepted as a new version")).to_be_visible()
    expect(page.get_by_text("v2", exact=True).first).to_be_visible()
    with bridge.sessions() as session:
        assert session.execute(select(func.count(Intent.id))).scalar_one() == 0
        # the run tests the weights the manager was shown, now the smallcase's version 2
        accepted = session.get_one(BacktestRecord, run_id).parameters["weights"]
    lines = {
        row.get_by_role("rowheader").inner_text(): row.get_by_role("cell").nth(2).inner_text()
        for row in page.get_by_test_id("suggestion-lines").locator("tbody tr").all()
    }
    assert {s for s, w in lines.items() if w != "—"} == set(accepted)
    link.click()
    expect(page.get_by_test_id("backtest-suggestion")).to_contain_text(
        f"suggestion #{suggestion_id}"
    )
    expect(page.get_by_test_id("backtest-progress")).to_contain_text("waiting for a worker")
    context.close()
