"""Scoring a universe and choosing a composition: the rules the proposal and the walk-forward
evaluation share.

A symbol is eligible when it has every factor and its median traded value is not in the
universe's bottom fifth (the liquidity screen). Its combined score is the mean of its factor
score (mean rank of momentum, low volatility and trend) and the rank of the model's prediction
(the factor score alone when there is no model). The top `size` by score are chosen, except
that a current constituent is kept while it ranks within `size + buffer`, so a composition is
not churned for small moves. Weights are inverse volatility, in exact units of 0.0001 percent
summing to 100 (every chosen symbol at least one unit), split by largest remainder.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from allocator.apportion import split
from bridge_api.suggestions.factors import Factors, Panel, factors_at
from bridge_api.suggestions.model import Model

LIQUIDITY_FLOOR = 0.2
"""Symbols whose liquidity rank is below this (the bottom fifth) are screened out."""
UNITS = 1_000_000
"""Weight units in 100 percent: 0.0001 percent each, the smallcase rules' finest step."""
UNIT = Decimal("0.0001")
SEED = "suggestions"


@dataclass(frozen=True, slots=True)
class Scored:
    """One symbol's factors, prediction and combined score, with its place (1 = best)."""

    factors: Factors
    predicted: float | None
    model_rank: float | None
    score: float
    place: int
    eligible: bool

    @property
    def symbol(self) -> str:
        """The symbol."""
        return self.factors.symbol


def score(panel: Panel, at: int, model: Model | None) -> list[Scored]:
    """Every symbol with factors at row `at`, best first (eligible ones before the screened)."""
    every = factors_at(panel, at)
    if not every:
        return []
    predicted: list[float | None] = [None] * len(every)
    model_ranks: list[float | None] = [None] * len(every)
    if model is not None:
        features = np.array([[f.ranks[n] for n in f.ranks] for f in every])
        values = model.predict(features)
        order = values.argsort(kind="stable").argsort(kind="stable")
        predicted = [float(v) for v in values]
        model_ranks = [float(o) / max(len(every) - 1, 1) for o in order]
    combined = []
    for f, p, r in zip(every, predicted, model_ranks, strict=True):
        value = f.score if r is None else (f.score + r) / 2
        combined.append((f, p, r, value, f.ranks["liquidity"] >= LIQUIDITY_FLOOR))
    combined.sort(key=lambda c: (not c[4], -c[3], c[0].symbol))
    return [
        Scored(factors=f, predicted=p, model_rank=r, score=v, place=i + 1, eligible=e)
        for i, (f, p, r, v, e) in enumerate(combined)
    ]


def choose(
    scored: Sequence[Scored], size: int, current: Collection[str] = (), buffer: int = 0
) -> list[Scored]:
    """The chosen symbols, best first: current constituents kept within `size + buffer`,
    then the best of the rest up to `size`."""
    eligible = [s for s in scored if s.eligible]
    kept = [s for s in eligible[: size + buffer] if s.symbol in current][:size]
    rest = [s for s in eligible if s not in kept][: size - len(kept)]
    return sorted(kept + rest, key=lambda s: s.place)


def weights(chosen: Sequence[Scored]) -> dict[str, Decimal]:
    """Inverse-volatility weights in percent, exact to 0.0001, summing exactly to 100."""
    if not chosen:
        raise ValueError("nothing chosen")
    if len(chosen) > UNITS:
        raise ValueError("more symbols than weight units")
    return exact_weights({s.symbol: 1 / s.factors.volatility for s in chosen})


def exact_weights(raw: dict[str, float]) -> dict[str, Decimal]:
    """Positive raw weights as percent in units of 0.0001 summing exactly to 100: one unit
    each, the rest split by largest remainder (ties by symbol hash)."""
    symbols = sorted(raw)
    integers = [max(1, round(raw[s] / max(raw.values()) * 1_000_000)) for s in symbols]
    parts = split(UNITS - len(symbols), integers, symbols, SEED)
    return {s: (part + 1) * UNIT for s, part in zip(symbols, parts, strict=True)}
