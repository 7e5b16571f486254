"""``saras settle``: T+1 settlement by hand (the engine runs it when a trading day starts)."""

from __future__ import annotations

from typing import Annotated

import typer

from saras.cli.console import start_logging
from saras.cli.failures import DIFFERENCES, failures, parse_day


def settle_command(
    day: Annotated[
        str | None, typer.Option(help="Settle what is due on this day (default today, IST).")
    ] = None,
) -> None:
    """Settle every book's unsettled cash and shares that are due (T+1 on NSE's calendar);
    exit 1 when a book could not settle (it is alerted; the others settle)."""
    from bridge_api.calendar import ist_today  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.ledger.settlement import settle  # noqa: PLC0415

    when = ist_today() if day is None else parse_day("settle", "--day", day)
    start_logging()
    with failures("settle"):
        upgrade()
        with unit_of_work() as session:
            result = settle(session, today=when)
    typer.echo(
        f"Settled {result.entries} entries of {result.accounts} books due by {result.as_of}."
    )
    for book, why in sorted(result.refused.items()):
        typer.echo(f"  {book} left unsettled: {why}")
    if result.refused:
        raise typer.Exit(DIFFERENCES)
