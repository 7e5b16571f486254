import itertools
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bridge_api.analytics import performance
from bridge_api.backtest.lean_result import LeanResultError, read_lean_result
from bridge_api.backtest.metrics import (
    drawdown,
    drawdown_periods,
    monthly_returns,
    rolling_volatility,
    summarise,
)
from bridge_api.backtest.run import BacktestRun, Rebalance


def _run(values):
    days = [date(2026, 1, 1 + n) for n in range(len(values))]
    return BacktestRun(name="t", source="saras", days=days, equity=[Decimal(v) for v in values])


def test_drawdown_is_measured_from_the_running_peak():
    assert drawdown(
        [Decimal(100), Decimal(120), Decimal(90), Decimal(130)]
    ).tolist() == pytest.approx([0, 0, -0.25, 0])


def test_summary_reports_return_drawdown_orders_fill_ratio_and_charges():
    run = _run(["100", "120", "90", "110"])
    run.rebalances = [
        Rebalance(
            day=date(2026, 1, 1),
            orders=3,
            ordered_shares=100,
            filled_shares=80,
            traded_value=Decimal("50"),
            charges=Decimal("1.25"),
        ),
        Rebalance(
            day=date(2026, 1, 3),
            orders=1,
            ordered_shares=10,
            filled_shares=10,
            traded_value=Decimal("30"),
            charges=Decimal("0.75"),
        ),
    ]

    summary = summarise(run)

    assert summary.total_return == 0.1
    assert summary.max_drawdown == -0.25
    assert summary.orders == 4
    assert summary.orders_per_rebalance == 2
    assert summary.mean_fill_ratio == 0.9
    assert summary.charges == 2.0
    assert summary.turnover == round(80 / 105, 4)


@pytest.mark.parametrize("point", ["object", "candle"])
def test_a_lean_result_becomes_a_daily_curve_with_rebalances(tmp_path, point):
    stamps = [datetime(2026, 1, d, 10, tzinfo=UTC).timestamp() for d in (5, 5, 6, 7)]
    values = [100000, 100500, 101000, 99000]
    points = [
        {"x": s, "y": v} if point == "object" else [s, v, v, v, v]
        for s, v in zip(stamps, values, strict=True)
    ]
    document = {
        "charts": {"Strategy Equity": {"series": {"Equity": {"values": points}}}},
        "orders": {
            "1": {"time": "2026-01-05T04:00:00Z", "quantity": 10, "price": 100.0, "status": 3},
            "2": {"time": "2026-01-05T04:00:00Z", "quantity": -5, "price": 200.0, "status": 5},
        },
        "statistics": {"Total Fees": "₹12.00"},
    }
    path = tmp_path / "123.json"
    path.write_text(json.dumps(document))

    run = read_lean_result(path)

    assert run.source == "lean"
    assert run.days == [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)]
    assert run.equity == [Decimal("100500"), Decimal("101000"), Decimal("99000")]
    (rebalance,) = run.rebalances
    assert (rebalance.orders, rebalance.ordered_shares, rebalance.filled_shares) == (2, 15, 10)
    assert rebalance.traded_value == Decimal("1000.0")


def test_a_file_that_is_not_a_lean_result_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")

    with pytest.raises(LeanResultError, match="Strategy Equity"):
        read_lean_result(path)


def test_monthly_returns_chain_month_ends_and_drawdowns_are_separate_falls():
    days = [date(2026, 1, 30), date(2026, 1, 31), date(2026, 2, 27), date(2026, 3, 2)]
    run = BacktestRun(
        name="t",
        source="saras",
        days=days,
        equity=[Decimal(v) for v in ("100", "110", "99", "121")],
    )

    months = monthly_returns(run)
    falls = drawdown_periods(_run(["100", "80", "100", "120", "60", "70"]))

    assert months == pytest.approx({(2026, 1): 0.10, (2026, 2): -0.10, (2026, 3): 121 / 99 - 1})
    assert [(f["depth"], f["recovered"]) for f in falls] == [
        (-0.5, None),
        (-0.2, "2026-01-03"),
    ]


def test_the_summary_has_sharpe_sortino_and_calmar_by_the_analytics_rules():
    values = ["100", "101", "99.5", "102", "101", "104", "103"]
    run = _run(values)
    curve = [float(v) for v in values]
    returns = [b / a - 1 for a, b in itertools.pairwise(curve)]
    daily_rf = performance.daily_rate(0.065)

    summary = summarise(run)

    assert summary.sharpe == round(performance.sharpe(returns, daily_rf), 4)
    assert summary.sortino == round(performance.sortino(returns, daily_rf), 4)
    cagr = 1.03 ** (365.25 / 6) - 1  # six days
    assert summary.calmar == pytest.approx(cagr / (1 - 99.5 / 101), rel=1e-4)
    assert rolling_volatility(run, window=3)[:3] == [None, None, None]
    assert rolling_volatility(run, window=3)[3] == pytest.approx(
        performance.volatility(returns[:3])
    )
