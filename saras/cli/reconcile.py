"""``saras reconcile``: every sub-ledger plus the house against Kite's account."""

from __future__ import annotations

from typing import Annotated

import typer

from saras.cli.failures import DIFFERENCES
from saras.cli.kite import with_broker


def reconcile_command(
    shares_only: Annotated[
        bool, typer.Option("--shares-only", help="Compare shares only (any time of day).")
    ] = False,
) -> None:
    """Compare every sub-ledger plus the house with Kite's holdings, positions and funds; store
    the report; exit 1 (and alert) on any difference."""
    from bridge_api.ledger.reconciliation import reconcile, render  # noqa: PLC0415

    scope = "shares" if shares_only else "full"
    report, stored = with_broker(
        "reconcile", lambda session, broker: reconcile(session, broker, scope=scope)
    )
    typer.echo(render(report))
    typer.echo(f"(stored as report {stored.id})")
    if not report.matches:
        raise typer.Exit(DIFFERENCES)
