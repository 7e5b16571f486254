"""The ``saras`` command line: one module per command group, one way to fail (`failures`).

Each module imports only typer at load time and the trading stack inside its commands, so
``saras --help`` starts in a fraction of a second.
"""

from __future__ import annotations

from typing import Annotated

import typer

from saras.cli import (
    allocator,
    backtest,
    corporate_actions,
    data,
    db,
    demo,
    engine,
    house,
    kite,
    lean,
    ledger,
    reconcile,
    schedule,
    serve,
    suggest,
    web,
    worker,
)
from saras.cli.console import command_group, set_verbosity

app = command_group(add_completion=False, help="Saras: pooled smallcase execution.")


@app.callback()
def root(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="Show more log records (repeat).")
    ] = 0,
    quiet: Annotated[
        int, typer.Option("--quiet", "-q", count=True, help="Show fewer log records (repeat).")
    ] = 0,
) -> None:
    """Saras: pooled smallcase execution through one Zerodha account."""
    set_verbosity(verbose - quiet)


app.add_typer(allocator.app, name="allocator")
app.add_typer(engine.app, name="engine")
app.add_typer(db.app, name="db")
app.add_typer(kite.app, name="kite")
app.add_typer(house.app, name="house")
app.add_typer(corporate_actions.app, name="corporate-actions")
app.add_typer(lean.app, name="lean")
app.add_typer(data.app, name="data")
app.add_typer(schedule.app, name="schedule")
app.add_typer(web.app, name="web")
app.add_typer(suggest.app, name="suggest")
app.command("seed")(db.seed_command)
app.command("serve")(serve.serve_command)
app.command("demo")(demo.demo_command)
app.command("backtest")(backtest.backtest_command)
app.command("reconcile")(reconcile.reconcile_command)
app.command("settle")(ledger.settle_command)
app.command("worker")(worker.worker_command)


def main() -> None:
    """Entry point of the ``saras`` console script."""
    app()
