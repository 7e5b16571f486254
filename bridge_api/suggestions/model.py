"""A small model on the bars: ridge regression (scikit-learn) of each stock's next-month return
against the universe's, from its four factor ranks.

Trained at run time on the stored bars only (no weights or data are fetched), deterministic
(ridge has a closed form; nothing is random). A sample is one symbol on one training day `t`:
features its factor ranks at `t`, target its return over the next `HORIZON` sessions minus the
cross-sectional mean of that return. Only days whose target is known by the as-of day are
used (`t + HORIZON <= as_of`), so the model never sees the future it is asked about.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Ridge

from bridge_api.suggestions.factors import LOOKBACK, NAMES, Panel, ranks, raw_factors

HORIZON = 21
"""Sessions ahead the model predicts (about a month), and the rebalance spacing."""
TRAIN_DAYS = 126
"""Sessions of training days before the as-of day (about six months)."""
SAMPLE_STEP = 5
"""Every fifth session in the window is a training day (overlapping targets thinned)."""
ALPHA = 1.0


@dataclass(frozen=True, slots=True)
class Model:
    """A fitted model: its coefficients per factor rank, intercept and training size."""

    ridge: Ridge
    coefficients: dict[str, float]
    intercept: float
    samples: int
    first_day_index: int
    last_day_index: int

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Predicted excess next-month return for rows of factor ranks."""
        return np.asarray(self.ridge.predict(features), dtype=float)

    def describe(self) -> str:
        """The fitted weights in words."""
        parts = ", ".join(f"{name} {value:+.4f}" for name, value in self.coefficients.items())
        return f"ridge (alpha {ALPHA}) on {self.samples} samples: {parts}"


def training_set(panel: Panel, as_of: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(features, targets, first and last training row) for a model as of row `as_of`."""
    last = as_of - HORIZON
    first = max(LOOKBACK, last - TRAIN_DAYS + 1)
    features, targets = [], []
    for t in range(last, first - 1, -SAMPLE_STEP):
        ranked = ranks(raw_factors(panel, t))
        with np.errstate(invalid="ignore", divide="ignore"):
            forward = panel.close[t + HORIZON] / panel.close[t] - 1
        ok = ~np.isnan(ranked).any(axis=1) & ~np.isnan(forward)
        if ok.sum() < 2:
            continue
        features.append(ranked[ok])
        targets.append(forward[ok] - forward[ok].mean())
    if not features:
        return np.zeros((0, len(NAMES))), np.zeros(0), first, last
    return np.vstack(features), np.concatenate(targets), first, last


def fit(panel: Panel, as_of: int) -> Model | None:
    """The model as of row `as_of`, or None when the bars are too short to train it."""
    features, targets, first, last = training_set(panel, as_of)
    if len(targets) < 2 * len(NAMES):
        return None
    ridge = Ridge(alpha=ALPHA)
    ridge.fit(features, targets)
    return Model(
        ridge=ridge,
        coefficients={name: float(c) for name, c in zip(NAMES, ridge.coef_, strict=True)},
        intercept=float(ridge.intercept_),
        samples=len(targets),
        first_day_index=first,
        last_day_index=last,
    )
