"""``saras backtest``: a smallcase backtest through the engine, or a Lean result, as a report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from saras.cli.failures import fail, failures, parse_day, parse_rupees

if TYPE_CHECKING:
    from bridge_api.backtest.run import BacktestRun

DATABASE = "saras_backtest"
BACKTEST = "backtest"


def backtest_command(
    smallcase: Annotated[
        str | None, typer.Option(help="A demo smallcase: 'Nifty Leaders' or 'IT Bellwethers'.")
    ] = None,
    weights: Annotated[
        str | None, typer.Option(help="Or weights in percent: 'INFY=40,TCS=60'.")
    ] = None,
    start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")] = "2025-01-01",
    end: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD).")] = "2026-11-20",
    subscribers: Annotated[int, typer.Option(help="Simulated subscribers.")] = 20,
    amount: Annotated[
        str, typer.Option(help="Rupees each subscriber invests (varied by up to 60%).")
    ] = "100000.00",
    schedule: Annotated[str, typer.Option(help="monthly, quarterly or never.")] = "monthly",
    out: Annotated[Path, typer.Option(help="Where the report folders go.")] = Path("backtests"),
    from_lean: Annotated[
        Path | None, typer.Option(help="Report a Lean backtest result JSON instead.")
    ] = None,
) -> None:
    """Backtest a smallcase through the engine and the paper venue; write an HTML report."""
    first, last = parse_day(BACKTEST, "--start", start), parse_day(BACKTEST, "--end", end)
    money = parse_rupees(BACKTEST, "--amount", amount)
    if smallcase is None and weights is None and from_lean is None:
        smallcase = "Nifty Leaders"
    if smallcase is not None and smallcase not in ("Nifty Leaders", "IT Bellwethers"):
        fail(BACKTEST, f"--smallcase: unknown demo smallcase {smallcase!r}")
    if schedule not in ("monthly", "quarterly", "never"):
        fail(BACKTEST, f"--schedule: expected monthly, quarterly or never, was {schedule!r}")
    if subscribers < 1 or money <= 0 or last <= first:
        fail(BACKTEST, "--subscribers and --amount must be positive and --end after --start")
    with failures(BACKTEST):
        run(
            smallcase=smallcase,
            weights=weights,
            start=first,
            end=last,
            subscribers=subscribers,
            amount=money,
            schedule=schedule,
            out=out,
            from_lean=from_lean,
        )


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
    from rich.console import Console  # noqa: PLC0415

    from bridge_api.backtest.isolated import backtest_on  # noqa: PLC0415
    from bridge_api.backtest.lean_result import read_lean_result  # noqa: PLC0415
    from bridge_api.backtest.metrics import summarise  # noqa: PLC0415
    from bridge_api.backtest.report import write_report  # noqa: PLC0415
    from bridge_api.backtest.scenario import BacktestSpec  # noqa: PLC0415
    from bridge_api.demo.seed import DEMO_SMALLCASES  # noqa: PLC0415

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
            result = backtest_on(
                DATABASE,
                spec,
                progress=lambda event, info: (
                    status.update(f"Rebalanced on {info['day']} (batch {info['batch']})")
                    if event == "rebalanced"
                    else None
                ),
                keep=True,
            )
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
