"""Backtests: a smallcase with a rebalance schedule and simulated subscribers, run through the
same engine and paper venue as live batches, reported as a self-contained HTML page."""
