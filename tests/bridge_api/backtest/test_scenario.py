"""A short backtest through the engine and the paper venue, and its report."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.backtest.report import write_report
from bridge_api.backtest.scenario import BacktestSpec, run_backtest
from bridge_api.brokers.paper import PaperVenue
from bridge_api.db.models import Intent, IntentStatus
from bridge_api.demo.seed import DEMO_SMALLCASES
from bridge_api.ledger.reconciliation import compare


def test_a_monthly_backtest_trades_each_month_and_reconciles(
    committed: sessionmaker[Session], tmp_path
):
    spec = BacktestSpec(
        name="Two stocks",
        weights={"INFY": Decimal("50"), "TCS": Decimal("50")},
        start=date(2026, 8, 20),
        end=date(2026, 10, 10),
        subscribers=3,
        schedule="monthly",
    )

    run = run_backtest(committed, spec)
    folder = write_report(run, tmp_path, stamp=datetime(2026, 11, 25, tzinfo=UTC))

    assert [r.day.month for r in run.rebalances] == [8, 9, 10]
    assert len(run.days) == len(run.equity) == len(run.benchmark)
    assert all(r.fill_ratio == 1.0 for r in run.rebalances)
    assert run.rebalances[0].charges > 0
    with committed() as session:
        assert compare(session, PaperVenue(committed, session_day=spec.end)).matches
    page = (folder / "report.html").read_text()
    assert "Two stocks" in page
    assert "plotly" in page.lower()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["synthetic_data"] is True
    assert summary["amounts"]["subscribers"] == 3
    assert Decimal(summary["amounts"]["total"]) == sum(run.amounts, Decimal(0))
    assert summary["amounts"]["smallest"] != summary["amounts"]["largest"]  # they vary
    assert "Synthetic sample data" in page
    assert "Monthly returns" in page
    assert "(first investment)" in page
    assert "Worst drawdowns" in page
    subscribers = summary["subscribers"]
    assert subscribers["subscribers"] == 3
    worst, median, best = (subscribers["return"][k] for k in ("worst", "median", "best"))
    assert worst <= median <= best
    assert 0 < subscribers["idle_cash_share"] < 0.2
    assert 0 < subscribers["charges_share"] < 0.01
    assert "Subscribers against the model" in page
    # weights over time: each day's weights sum to one, near the model's halves after trading
    assert len(run.weights) == len(run.days)
    for weights in run.weights:
        assert abs(sum(weights.values()) - 1) < 1e-5
    first = run.weights[0]
    assert abs(first["INFY"] - 0.5) < 0.1
    assert abs(first["TCS"] - 0.5) < 0.1
    assert "Weights over time" in page
    # each rebalance's idle cash is the book's cash that day, and turnover is traded / value
    for rebalance in run.rebalances:
        index = run.days.index(rebalance.day)
        assert rebalance.value_after == run.equity[index]
        assert rebalance.idle_share is not None
        assert rebalance.idle_share == pytest.approx(run.weights[index]["cash"], abs=1e-5)
        assert rebalance.turnover == float(rebalance.traded_value / run.equity[index])
    assert [row["idle share"] for row in summary["rebalances"]] == [
        r.idle_share for r in run.rebalances
    ]
    assert set(summary["weights_after_rebalances"]) == {r.day.isoformat() for r in run.rebalances}


def test_a_side_deferred_to_the_next_session_trades_there_and_the_next_month_follows(
    committed: sessionmaker[Session],
):
    """Some subscribers sell a scrip that others buy on 2 March 2026: the buys wait for the
    next session (docs/ledger.md, "Same-day opposite orders"), whose own batch finishes them
    before April's rebalance is accepted."""
    spec = BacktestSpec(
        name="Nifty Leaders",
        weights={s: Decimal(w) for s, w in DEMO_SMALLCASES["Nifty Leaders"].items()},
        start=date(2026, 1, 1),
        end=date(2026, 4, 2),
        subscribers=5,
        schedule="monthly",
    )

    run = run_backtest(committed, spec)

    days = [r.day for r in run.rebalances]
    assert days == [
        date(2026, 1, 1),
        date(2026, 2, 2),
        date(2026, 3, 2),
        date(2026, 3, 4),  # the deferred buys: 3 March 2026 is a holiday (Holi)
        date(2026, 4, 1),
    ]
    with committed() as session:
        assert compare(session, PaperVenue(committed, session_day=spec.end)).matches
        assert not session.execute(
            select(Intent).where(Intent.status == IntentStatus.PENDING)
        ).first()
