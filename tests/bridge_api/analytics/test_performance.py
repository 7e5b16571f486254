"""The performance figures agree with empyrical's on generated series, and XIRR with a case
worked by hand."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import empyrical
import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from bridge_api.analytics import performance

START = date(2025, 1, 1)
returns_lists = st.lists(
    st.floats(min_value=-0.2, max_value=0.2, allow_nan=False, allow_infinity=False),
    min_size=3,
    max_size=300,
)


def _close(ours: float | None, theirs: float) -> bool:
    if ours is None:
        return not math.isfinite(theirs) or theirs == 0
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)


@given(returns=returns_lists, rf=st.floats(min_value=0.0, max_value=0.12))
@example(returns=[0.0, 0.0, 7.195948537642525e-16], rf=0.1171875)  # found by hypothesis
def test_returns_and_risk_agree_with_empyrical(returns: list[float], rf: float):
    series = pd.Series(returns, index=pd.bdate_range("2025-01-01", periods=len(returns)))
    daily_rf = performance.daily_rate(rf)

    assert _close(performance.time_weighted(returns), empyrical.cum_returns_final(series))
    assert _close(performance.volatility(returns), empyrical.annual_volatility(series))
    ours = performance.sharpe(returns, daily_rf)
    if ours is None:  # undefined only for excess returns constant to 12 significant digits,
        # where empyrical divides by float noise (e.g. -1.7e13 for [0, 0, 7e-16])
        excess = np.subtract(returns, daily_rf)
        assert np.std(excess, ddof=1) <= 1e-12 * abs(np.mean(excess))
    else:
        assert _close(ours, empyrical.sharpe_ratio(series, risk_free=daily_rf))
    assert _close(
        performance.sortino(returns, daily_rf),
        empyrical.sortino_ratio(series, required_return=daily_rf),
    )
    days = [START + timedelta(days=i + 1) for i in range(len(returns))]
    drawdown = performance.max_drawdown(days, returns, start=START)
    assert _close(drawdown.depth, min(empyrical.max_drawdown(series), 0.0))


@given(returns=returns_lists)
def test_the_drawdown_dates_frame_the_deepest_fall(returns: list[float]):
    days = [START + timedelta(days=i + 1) for i in range(len(returns))]
    index = np.cumprod(np.add(returns, 1.0))

    drawdown = performance.max_drawdown(days, returns, start=START)

    if drawdown.depth == 0.0:
        assert drawdown.trough is None
        return
    at = {d: i for i, d in enumerate(days)}
    peak_value = 1.0 if drawdown.peak == START else index[at[drawdown.peak]]
    assert math.isclose(index[at[drawdown.trough]] / peak_value - 1.0, drawdown.depth)
    if drawdown.recovered is not None:
        assert index[at[drawdown.recovered]] >= peak_value * (1 - 1e-12)


def test_a_flow_is_not_a_return_and_xirr_reads_the_flows():
    days = [date(2025, 1, 1), date(2025, 7, 2), date(2026, 1, 1)]
    # 1,00,000 in; it is worth 1,05,000 when 50,000 more goes in; 1,60,000 a year after start.
    values = [Decimal("100000"), Decimal("155000"), Decimal("160000")]
    flows = [Decimal("100000"), Decimal("50000"), Decimal("0")]

    _, returns = performance.daily_returns(days, values, flows)
    twr = performance.time_weighted(returns)
    irr = performance.money_weighted(days, flows, values[-1])

    assert math.isclose(returns[0], 0.05)  # (155,000 - 50,000) / 1,00,000 - 1
    assert math.isclose(twr, 1.05 * 160000 / 155000 - 1)
    assert irr is not None
    # The same flows discounted at the rate found come to nothing.
    years = [(d - days[0]).days / 365 for d in days]
    npv = -100000 - 50000 / (1 + irr) ** years[1] + 160000 / (1 + irr) ** years[2]
    assert abs(npv) < 1e-6
    assert performance.money_weighted(days, [Decimal(0)] * 3, values[-1]) is None
