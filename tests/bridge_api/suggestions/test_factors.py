"""The factor screens against a hand computation on a small made-up panel."""

import math
import statistics
from datetime import date, timedelta

import numpy as np
import pytest

from bridge_api.suggestions.factors import (
    LIQUIDITY_DAYS,
    LOOKBACK,
    MOMENTUM_DAYS,
    SKIP_DAYS,
    TREND_DAYS,
    VOLATILITY_DAYS,
    factors_at,
    panel_from,
    ranks,
)

DAYS = [date(2025, 1, 1) + timedelta(days=i) for i in range(LOOKBACK + 5)]


def _prices(symbol: str, i: int) -> tuple[float, int]:
    """Three made-up paths: a steady riser, a zigzag, a faller; volumes differ."""
    if symbol == "UP":
        return 100 * 1.002**i, 1000 + i
    if symbol == "ZIG":
        return 200 + (15 if i % 2 else -15) + 0.1 * i, 3000 - (i % 7)
    return 300 * 0.999**i, 500 + 3 * (i % 5)


def _panel():
    bars = {(d, s): _prices(s, i) for i, d in enumerate(DAYS) for s in ("UP", "ZIG", "DOWN")}
    return panel_from(DAYS, ["DOWN", "UP", "ZIG"], bars)


def _by_hand(symbol: str, at: int) -> dict[str, float]:
    closes = [_prices(symbol, i)[0] for i in range(at + 1)]
    values = [p * v for p, v in (_prices(symbol, i) for i in range(at + 1))]
    logs = [math.log(closes[i] / closes[i - 1]) for i in range(at - VOLATILITY_DAYS + 1, at + 1)]
    return {
        "momentum": closes[at - SKIP_DAYS] / closes[at - MOMENTUM_DAYS] - 1,
        "volatility": statistics.stdev(logs) * math.sqrt(252),
        "trend": closes[at] / statistics.fmean(closes[at - TREND_DAYS + 1 :]) - 1,
        "liquidity": statistics.median(values[at - LIQUIDITY_DAYS + 1 :]),
    }


@pytest.mark.parametrize("at", [LOOKBACK, LOOKBACK + 4])
def test_each_factor_matches_a_hand_computation(at):
    found = {f.symbol: f for f in factors_at(_panel(), at)}

    assert set(found) == {"UP", "ZIG", "DOWN"}
    for symbol, factors in found.items():
        expected = _by_hand(symbol, at)
        assert factors.momentum == pytest.approx(expected["momentum"], rel=1e-9)
        assert factors.volatility == pytest.approx(expected["volatility"], rel=1e-9)
        assert factors.trend == pytest.approx(expected["trend"], rel=1e-9)
        assert factors.liquidity == pytest.approx(expected["liquidity"], rel=1e-9)


def test_ranks_put_the_riser_first_and_the_zigzag_last_on_volatility():
    found = {f.symbol: f for f in factors_at(_panel(), LOOKBACK)}

    assert found["UP"].ranks["momentum"] == 1.0
    assert found["DOWN"].ranks["momentum"] == 0.0
    assert found["ZIG"].ranks["low_volatility"] == 0.0  # the most volatile ranks lowest
    assert found["UP"].ranks["trend"] == 1.0
    assert found["ZIG"].ranks["liquidity"] == 1.0  # the largest traded value
    reasons = found["UP"].reasons(3)
    assert reasons[0].startswith(f"momentum {found['UP'].momentum:+.1%}")
    assert "(1st of 3)" in reasons[0]


def test_a_symbol_without_the_history_has_no_factors():
    bars = {(d, s): _prices(s, i) for i, d in enumerate(DAYS) for s in ("UP", "ZIG")}
    bars.update({(d, "NEW"): (50.0, 100) for d in DAYS[-10:]})
    panel = panel_from(DAYS, ["NEW", "UP", "ZIG"], bars)

    assert [f.symbol for f in factors_at(panel, LOOKBACK + 4)] == ["UP", "ZIG"]
    assert factors_at(panel, LOOKBACK - 1) == []


def test_ties_share_their_mean_rank():
    values = np.array([[1.0, 1, 1, 1], [1.0, 1, 1, 1], [2.0, 2, 2, 2]])

    ranked = ranks(values)

    assert ranked[:, 0].tolist() == [0.25, 0.25, 1.0]
    assert ranked[:, 1].tolist() == [0.75, 0.75, 0.0]  # volatility: lower is better
