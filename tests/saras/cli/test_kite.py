"""The operator's Kite day on the command line, each command a real `saras` process against a
committed database and the fake Kite server: login, status, Lean's live config, the engine,
the snapshot, the charges true-up and the reconciliation."""

from __future__ import annotations

import json
import stat
from decimal import Decimal

import pytest

from bridge_api.config import REPOSITORY
from bridge_api.demo.scenario import FIRST_DAY
from bridge_api.ledger import house
from bridge_api.ledger.totals import pooled_cash
from tests.bridge_api.execution.support import INVESTORS, ready_batch, saras

pytestmark = pytest.mark.integration


def _redirect(fake, status: str = "success") -> str:
    token = fake.issue_request_token()
    return f"https://saras.example/kite/callback?request_token={token}&action=login&status={status}"


def test_login_status_and_lean_live_config(committed, fake, kite_settings, tmp_path):
    before = saras(committed, "kite", "status")
    login = saras(committed, "kite", "login", "--redirect-url", _redirect(fake))
    status = saras(committed, "kite", "status")
    target = tmp_path / "lean" / "live.json"
    config = saras(committed, "lean", "config", "--live", "--out", str(target))
    inside = saras(committed, "lean", "config", "--live", "--out", str(REPOSITORY / "x.json"))

    assert before.returncode == 3
    assert "saras kite login" in before.stdout
    assert login.returncode == 0, login.stderr
    assert "Logged in to Kite as AB1234" in login.stdout
    assert status.returncode == 0
    assert "Kite session valid: AB1234" in status.stdout
    assert config.returncode == 0, config.stderr
    written = json.loads(target.read_text())
    assert written["zerodha-api-key"] == kite_settings.kite_api_key
    assert len(written["zerodha-access-token"]) >= 16
    assert (written["zerodha-trading-segment"], written["zerodha-product-type"]) == (
        "equity",
        "cnc",
    )
    assert written["parameters"]["real-money"] == "false"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert inside.returncode == 2
    assert "inside the repository" in inside.stderr
    assert not (REPOSITORY / "x.json").exists()


def test_a_login_kite_reported_as_failed_is_refused(committed, fake, kite_settings):
    result = saras(committed, "kite", "login", "--redirect-url", _redirect(fake, "failure"))

    assert result.returncode == 2
    assert "failure" in result.stderr


def test_the_interactive_login_prints_the_url_and_reads_the_redirect(
    committed, fake, kite_settings
):
    result = saras(committed, "kite", "login", stdin=_redirect(fake) + "\n")

    assert result.returncode == 0, result.stderr
    assert "https://kite.zerodha.com/connect/login?api_key=" in result.stdout


def test_a_day_traded_through_kite_is_snapshotted_trued_up_and_reconciled(
    committed, fake, kite_settings
):
    batch = ready_batch(committed, INVESTORS, FIRST_DAY)
    with committed() as session:
        fake.cash = pooled_cash(session)
    fake.brokerage_per_order = Decimal("0.01")  # charged beyond the table: the house pays it
    saras(committed, "kite", "login", "--redirect-url", _redirect(fake))

    traded = saras(committed, "engine", "run", "--broker", "kite", "--fake-market")
    fake.close_market()  # 15:30: the exchange closes and the day's charges are debited
    snapshot = saras(committed, "kite", "snapshot")
    same_day = saras(committed, "reconcile")  # Kite debits the day's charges overnight
    true_up = saras(committed, "kite", "true-up", "--any-time")
    again = saras(committed, "kite", "true-up", "--any-time")
    short = saras(committed, "reconcile")
    status = saras(committed, "house", "status")
    with committed() as session:
        shortfall = house.position(session).shortfall
    funded = saras(
        committed,
        "house",
        "fund",
        str(shortfall),
        "--reference",
        "UTR9",
        "--by",
        "admin@saras.demo",
    )
    fake.cash += shortfall  # the operator's transfer arrives in the account
    reconciled = saras(committed, "reconcile")

    assert traded.returncode == 0, traded.stderr
    assert f"traded 1 batches: [{batch}]" in traded.stdout
    assert snapshot.returncode == 0
    assert f"{len(fake.orders())} orders, {len(fake.trades())} trades" in snapshot.stdout
    assert same_day.returncode == 0, same_day.stdout
    assert "of today's charges the broker debits after the close" in same_day.stdout
    assert true_up.returncode == 0, true_up.stderr
    assert "contract note" in true_up.stdout
    assert again.returncode == 2
    assert "already trued up" in again.stderr
    # the house paid what no investor could be charged, so it is short until the operator funds it
    assert shortfall > 0
    assert short.returncode == 1
    assert "the house is below zero" in short.stdout
    assert status.returncode == 1
    assert f"It is {shortfall} short" in status.stdout
    assert funded.returncode == 0, funded.stderr
    assert f"House funded: {shortfall}" in funded.stdout
    assert reconciled.returncode == 0, reconciled.stdout
    assert "Reconciliation (full): OK" in reconciled.stdout
    assert "the house absorbed" in reconciled.stdout


def test_the_engine_refuses_real_kite_unless_real_money_is_switched_on(
    committed, kite_settings, monkeypatch
):
    monkeypatch.setenv("SARAS_KITE_ROOT", "https://api.kite.trade")
    monkeypatch.setenv("SARAS_REAL_MONEY", "false")

    result = saras(committed, "engine", "run", "--broker", "kite")

    assert result.returncode == 2
    assert "SARAS_REAL_MONEY=true" in result.stderr
