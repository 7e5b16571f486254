"""Transparent suggestions for managers: factor screens and a small model on the bars, a
proposed composition with its reasons, and a walk-forward evaluation (docs/suggestions.md).
Nothing here trades: a manager accepts a proposal as a new smallcase version."""
