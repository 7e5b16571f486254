"""The model and the walk-forward evaluation on the sample bars in PostgreSQL."""

import numpy as np
import pytest
from sqlalchemy.orm import Session

from bridge_api.suggestions.evaluate import STRATEGIES, as_dict, evaluate, walk_forward
from bridge_api.suggestions.factors import LOOKBACK, Panel, load_panel
from bridge_api.suggestions.model import HORIZON, fit
from bridge_api.suggestions.picking import choose, score


@pytest.fixture
def panel(session: Session) -> Panel:
    return load_panel(session)


def test_the_model_sees_nothing_after_its_as_of_day(panel: Panel):
    at = len(panel.days) - 60
    model = fit(panel, at)
    scrambled = panel.close.copy()
    scrambled[at + 1 :] = scrambled[at + 1 :][::-1] * 3  # the future, rewritten
    again = fit(Panel(panel.days, panel.symbols, scrambled, panel.traded), at)

    assert model is not None
    assert again is not None
    assert model.coefficients == again.coefficients
    assert model.last_day_index == at - HORIZON  # its last target ends on the as-of day


def test_the_model_is_deterministic_and_too_short_a_history_has_none(panel: Panel):
    first = fit(panel, len(panel.days) - 1)
    second = fit(panel, len(panel.days) - 1)

    assert first is not None
    assert second is not None
    assert first.coefficients == second.coefficients
    assert first.samples == second.samples > 0
    assert fit(panel, LOOKBACK + HORIZON - 1) is None  # no training day has a known target


def test_scoring_puts_eligible_symbols_first_and_a_buffer_keeps_current_ones(panel: Panel):
    at = len(panel.days) - 1
    scored = score(panel, at, fit(panel, at))
    eligible = [s for s in scored if s.eligible]

    assert [s.place for s in scored] == list(range(1, len(scored) + 1))
    assert scored[: len(eligible)] == eligible
    assert len(eligible) < len(scored)  # the liquidity screen removed some
    ninth = eligible[8].symbol
    assert ninth not in {s.symbol for s in choose(scored, 5)}
    assert ninth in {s.symbol for s in choose(scored, 5, current={ninth}, buffer=4)}
    assert ninth not in {s.symbol for s in choose(scored, 5, current={ninth}, buffer=3)}


def test_walk_forward_is_deterministic_out_of_sample_and_against_equal_weight(
    session: Session, panel: Panel
):
    first = evaluate(session, size=10)
    second = evaluate(session, size=10)

    assert as_dict(first) == as_dict(second)
    assert first.synthetic is True
    assert "SYNTHETIC" in first.caveat
    assert [s.name for s in first.statistics] == list(STRATEGIES)
    assert len(first.periods) >= 10
    for period in first.periods:
        start, end = panel.days.index(period.start), panel.days.index(period.end)
        assert end - start == HORIZON
        growth = panel.close[end] / panel.close[start]
        assert period.returns["equal weight"] == pytest.approx(float(np.mean(growth)) - 1)
        assert len(period.chosen) == 10
    for earlier, later in zip(first.periods, first.periods[1:], strict=False):
        assert earlier.end == later.start
    model, _, equal = first.statistics
    assert equal.hit_rate is None
    assert model.hit_rate is not None
    beat = sum(p.returns[STRATEGIES[0]] > p.returns["equal weight"] for p in first.periods)
    assert model.hit_rate == round(beat / len(first.periods), 4)
    compounded = float(np.prod([1 + p.returns["equal weight"] for p in first.periods]) - 1)
    assert equal.total_return == round(compounded, 4)


def test_a_period_chosen_on_a_day_uses_no_later_bar(panel: Panel):
    full = walk_forward(panel, size=10, synthetic=True, caveat="x")
    cut = full.periods[3].start
    rows = panel.days.index(cut) + 1 + HORIZON  # the bars up to the fourth period's end
    short = Panel(panel.days[:rows], panel.symbols, panel.close[:rows], panel.traded[:rows])

    again = walk_forward(short, size=10, synthetic=True, caveat="x")

    assert [p.chosen for p in again.periods[:3]] == [p.chosen for p in full.periods[:3]]
