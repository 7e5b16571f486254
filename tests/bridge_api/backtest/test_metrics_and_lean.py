import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bridge_api.backtest.lean_result import LeanResultError, read_lean_result
from bridge_api.backtest.metrics import drawdown, summarise
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
