"""``saras backtest``: a smallcase backtest through the engine, or a Lean result, as a report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from bridge_api.backtest.lean_result import read_lean_result
from bridge_api.backtest.metrics import summarise
from bridge_api.backtest.report import write_report
from bridge_api.backtest.run import BacktestRun
from bridge_api.backtest.scenario import BacktestSpec, run_backtest
from bridge_api.db.migrate import upgrade
from bridge_api.demo.seed import DEMO_SMALLCASES
from saras.demo_run import demo_database

DATABASE = "saras_backtest"


def parse_weights(text: str) -> dict[str, Decimal]:
    """``"INFY=40,TCS=60"`` as percent weights (validated later, like any smallcase)."""
    weights = {}
    for part in text.split(","):
        symbol, _, weight = part.partition("=")
        if not symbol.strip() or not weight.strip():
            raise ValueError(f"expected SYMBOL=PERCENT, got {part!r}")
        weights[symbol.strip().upper()] = Decimal(weight.strip())
    return weights


def run(
    *,
    smallcase: str | None,
    weights: str | None,
    start: date,
    end: date,
    subscribers: int,
    amount: Decimal,
    schedule: str,
    out: Path,
    from_lean: Path | None,
) -> Path:
    """Run (or read) the backtest, write the report, print where it is and the headline."""
    console = Console()
    if from_lean is not None:
        result: BacktestRun = read_lean_result(from_lean)
    else:
        name = smallcase or "Custom smallcase"
        chosen = (
            parse_weights(weights)
            if weights
            else {s: Decimal(w) for s, w in DEMO_SMALLCASES[name].items()}
        )
        spec = BacktestSpec(
            name=name,
            weights=chosen,
            start=start,
            end=end,
            subscribers=subscribers,
            amount=amount,
            schedule=schedule,
        )
        with console.status("Preparing a fresh backtest database...") as status:
            url = demo_database(DATABASE)
            upgrade(url)
            engine = create_engine(url)
            result = run_backtest(
                sessionmaker(engine, expire_on_commit=False),
                spec,
                progress=lambda event, info: status.update(
                    f"Rebalanced on {info['day']} (batch {info['batch']})"
                ),
            )
            engine.dispose()
    folder = write_report(result, out, stamp=datetime.now(UTC))
    summary = summarise(result)
    bench = summary.benchmark_total_return
    console.print(
        f"{result.name}: total return {summary.total_return:.2%} "
        f"(benchmark {'-' if bench is None else format(bench, '.2%')}), "
        f"max drawdown {summary.max_drawdown:.2%}, {summary.rebalances} rebalances, "
        f"{summary.orders} orders, fill ratio {summary.mean_fill_ratio:.2%}, "
        f"charges Rs {summary.charges:,.2f}"
    )
    console.print(f"Report: {folder / 'report.html'}   Summary: {folder / 'summary.json'}")
    return folder
