"""Reading a Lean backtest result JSON into a `BacktestRun`.

Lean writes ``<id>.json`` with ``charts`` (the ``Strategy Equity`` chart's ``Equity`` series:
points as ``{"x": unix, "y": value}`` or, in newer versions, ``[unix, open, high, low, close]``),
``orders`` (by id, with ``status``, ``quantity``, ``time``) and ``statistics`` /
``totalPerformance``. Daily closes of the equity series become the curve; orders are grouped
by day as rebalances (filled status 3; partially filled 2).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bridge_api.backtest.run import BacktestRun, Rebalance

FILLED, PARTIALLY_FILLED = 3, 2


class LeanResultError(ValueError):
    """The file is not a Lean backtest result this reader understands."""


def read_lean_result(path: Path) -> BacktestRun:
    """The run in a Lean result file."""
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise LeanResultError(f"{path}: cannot read a JSON result: {error}") from None
    points = _equity_points(document)
    if not points:
        raise LeanResultError(f"{path}: no 'Strategy Equity' / 'Equity' series")
    closes: dict[date, Decimal] = {}
    for stamp, value in points:
        closes[datetime.fromtimestamp(stamp, UTC).date()] = Decimal(str(value))
    days = sorted(closes)
    run = BacktestRun(name=path.stem, source="lean", days=days, equity=[closes[d] for d in days])
    run.rebalances = _rebalances(document.get("orders") or {})
    fees = (document.get("statistics") or {}).get("Total Fees")
    if fees:
        run.notes.append(f"Lean's total fees: {fees}")
    return run


def _equity_points(document: dict[str, Any]) -> list[tuple[float, float]]:
    chart = (document.get("charts") or {}).get("Strategy Equity") or {}
    series = (chart.get("series") or chart.get("Series") or {}).get("Equity") or {}
    points = []
    for item in series.get("values") or series.get("Values") or []:
        if isinstance(item, dict):
            points.append((float(item["x"]), float(item["y"])))
        elif isinstance(item, list) and len(item) >= 2:
            points.append((float(item[0]), float(item[-1])))
    return points


def _rebalances(orders: dict[str, Any]) -> list[Rebalance]:
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for order in orders.values():
        when = str(order.get("time") or order.get("Time") or "")[:10]
        if when:
            by_day[date.fromisoformat(when)].append(order)
    result = []
    for day, items in sorted(by_day.items()):
        ordered = sum(abs(int(float(o.get("quantity", 0)))) for o in items)
        filled = sum(
            abs(int(float(o.get("quantity", 0)))) for o in items if o.get("status") == FILLED
        )
        value = sum(
            (
                abs(Decimal(str(o.get("quantity", 0)))) * Decimal(str(o.get("price", 0)))
                for o in items
                if o.get("status") in (FILLED, PARTIALLY_FILLED)
            ),
            Decimal(0),
        )
        result.append(
            Rebalance(
                day=day,
                orders=len(items),
                ordered_shares=ordered,
                filled_shares=filled,
                traded_value=value,
                charges=Decimal(0),
            )
        )
    return result
