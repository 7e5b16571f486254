"""Walk-forward evaluation: at each rebalance day the model is trained on the bars before it
only, a composition is chosen by the proposal's rules, and it is held to the next rebalance
day, out of sample; equal weight over the same universe (every symbol with prices on both
days) and the factor score without the model are measured over the same periods.

Returns are close to close, buy and hold within a period, without charges (the turnover each
rebalance would trade is reported beside them). Statistics are floats, reported rounded.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from bridge_api.suggestions.factors import LOOKBACK, TRADING_DAYS, Panel, load_panel
from bridge_api.suggestions.model import HORIZON, TRAIN_DAYS, fit
from bridge_api.suggestions.picking import choose, score, weights
from bridge_api.suggestions.propose import STORED, SYNTHETIC, data_is_synthetic

STRATEGIES = ("model and factors", "factors only", "equal weight")


@dataclass(frozen=True, slots=True)
class Period:
    """One out-of-sample period: its days and each strategy's return."""

    start: date
    end: date
    returns: dict[str, float]
    turnover: dict[str, float]
    chosen: list[str]


@dataclass(frozen=True, slots=True)
class Statistics:
    """One strategy over every period."""

    name: str
    total_return: float
    cagr: float
    volatility: float
    max_drawdown: float
    hit_rate: float | None
    """Share of periods it beat equal weight (None for equal weight itself)."""
    mean_turnover: float


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The walk-forward table: its periods and each strategy's statistics."""

    size: int
    first_day: date | None
    last_day: date | None
    periods: list[Period]
    statistics: list[Statistics]
    synthetic: bool
    caveat: str
    notes: list[str] = field(default_factory=list)


def walk_forward(panel: Panel, *, size: int, synthetic: bool, caveat: str) -> Evaluation:
    """Every rebalance `HORIZON` sessions apart from the first day with a trained model."""
    start = LOOKBACK + TRAIN_DAYS + HORIZON
    periods: list[Period] = []
    held: dict[str, dict[str, float]] = {name: {} for name in STRATEGIES}
    for at in range(start, len(panel.days) - HORIZON, HORIZON):
        end = at + HORIZON
        model = fit(panel, at)
        picks = {
            STRATEGIES[0]: score(panel, at, model),
            STRATEGIES[1]: score(panel, at, None),
        }
        targets: dict[str, dict[str, float]] = {}
        chosen: list[str] = []
        choices = {name: choose(scored, size) for name, scored in picks.items()}
        if not all(choices.values()):
            continue  # nothing eligible yet: no period
        for name, picked in choices.items():
            if name == STRATEGIES[0]:
                chosen = [s.symbol for s in picked]
            targets[name] = {s: float(w) / 100 for s, w in weights(picked).items()}
        with np.errstate(invalid="ignore", divide="ignore"):
            growth = panel.close[end] / panel.close[at]
        column = {s: j for j, s in enumerate(panel.symbols)}
        universe = [s for s in panel.symbols if not np.isnan(growth[column[s]])]
        if not universe:
            continue
        targets[STRATEGIES[2]] = dict.fromkeys(universe, 1 / len(universe))
        returns = {
            name: sum(w * float(growth[column[s]]) for s, w in target.items()) - 1
            for name, target in targets.items()
        }
        turnover = {name: _turnover(held[name], target) for name, target in targets.items()}
        for name, target in targets.items():
            held[name] = _drifted(target, growth, column)
        periods.append(Period(panel.days[at], panel.days[end], returns, turnover, chosen))
    notes = [
        f"{len(periods)} periods of {HORIZON} sessions, out of sample; the model retrained "
        f"each time on {TRAIN_DAYS} sessions of training days before it; top {size} chosen; "
        "returns before charges",
    ]
    return Evaluation(
        size=size,
        first_day=periods[0].start if periods else None,
        last_day=periods[-1].end if periods else None,
        periods=periods,
        statistics=[_statistics(name, periods) for name in STRATEGIES],
        synthetic=synthetic,
        caveat=caveat,
        notes=notes,
    )


def _turnover(before: dict[str, float], after: dict[str, float]) -> float:
    """One-way turnover from drifted weights `before` to `after` (the first period: 1)."""
    if not before:
        return 1.0
    return sum(abs(after.get(s, 0.0) - before.get(s, 0.0)) for s in set(before) | set(after)) / 2


def _drifted(
    target: dict[str, float], growth: np.ndarray, column: dict[str, int]
) -> dict[str, float]:
    grown = {s: w * float(growth[column[s]]) for s, w in target.items()}
    total = sum(grown.values())
    return {s: v / total for s, v in grown.items()} if total else {}


def _statistics(name: str, periods: list[Period]) -> Statistics:
    returns = np.array([p.returns[name] for p in periods])
    if returns.size == 0:
        return Statistics(name, 0.0, 0.0, 0.0, 0.0, None, 0.0)
    curve = np.cumprod(1 + returns)
    total = float(curve[-1] - 1)
    years = len(periods) * HORIZON / TRADING_DAYS
    peaks = np.maximum.accumulate(np.concatenate([[1.0], curve]))
    drawdown = float((np.concatenate([[1.0], curve]) / peaks - 1).min())
    volatility = (
        float(returns.std(ddof=1) * math.sqrt(TRADING_DAYS / HORIZON)) if returns.size > 1 else 0.0
    )
    hit = None
    if name != STRATEGIES[-1]:
        equal = np.array([p.returns[STRATEGIES[-1]] for p in periods])
        hit = float((returns > equal).mean())
    return Statistics(
        name=name,
        total_return=round(total, 4),
        cagr=round(float((1 + total) ** (1 / years) - 1), 4) if total > -1 else -1.0,
        volatility=round(volatility, 4),
        max_drawdown=round(drawdown, 4),
        hit_rate=None if hit is None else round(hit, 4),
        mean_turnover=round(float(np.mean([p.turnover[name] for p in periods])), 4),
    )


def evaluate(session: Session, *, size: int) -> Evaluation:
    """The walk-forward evaluation over every stored bar, with the data's caveat."""
    if size < 1:
        raise ValueError(f"the size must be at least 1, was {size}")
    synthetic = data_is_synthetic()
    return walk_forward(
        load_panel(session),
        size=size,
        synthetic=synthetic,
        caveat=SYNTHETIC if synthetic else STORED,
    )


def as_dict(evaluation: Evaluation) -> dict[str, Any]:
    """JSON-ready."""
    return {
        "size": evaluation.size,
        "first_day": None if evaluation.first_day is None else evaluation.first_day.isoformat(),
        "last_day": None if evaluation.last_day is None else evaluation.last_day.isoformat(),
        "synthetic_data": evaluation.synthetic,
        "caveat": evaluation.caveat,
        "notes": evaluation.notes,
        "statistics": [asdict(s) for s in evaluation.statistics],
        "periods": [
            {
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "returns": {k: round(v, 6) for k, v in p.returns.items()},
                "turnover": {k: round(v, 6) for k, v in p.turnover.items()},
                "chosen": p.chosen,
            }
            for p in evaluation.periods
        ],
    }
