"""``saras data``: market data from Kite (the instruments dump and daily candles)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from saras.cli.console import command_group
from saras.cli.failures import DIFFERENCES, STOPPED, fail, failures, parse_day

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = command_group(help="Market data from Kite: the instruments list and daily candles.")
FETCH = "data fetch"


@app.command("instruments")
def instruments_command() -> None:
    """Sync NSE equities (symbol, name, tick, lot, Kite token) from Kite's instruments dump."""
    from bridge_api.brokers.kite.sessions import connected_client  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415  (keeps the CLI light)
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.market.instruments import sync_instruments  # noqa: PLC0415

    upgrade()
    with failures("data instruments"), unit_of_work() as session:
        result = sync_instruments(session, connected_client(session))
    typer.echo(
        f"NSE equities: {result.added} added, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.skipped} skipped, "
        f"{result.other_series} of other series (BE, BL, SM, bonds, SGBs) left out"
        + (f", {result.tokens_moved} tokens moved to a new symbol" if result.tokens_moved else "")
    )


@app.command("fetch")
def fetch_command(
    start: Annotated[
        str,
        typer.Option(
            "--from", help="First day (YYYY-MM-DD); stored symbols go on from their last."
        ),
    ],
    end: Annotated[
        str | None,
        typer.Option("--to", help="Last day (YYYY-MM-DD); default the last closed session."),
    ] = None,
    symbol: Annotated[
        list[str] | None,
        typer.Option(
            "--symbol",
            help="A symbol to fetch (repeatable); default every one with bars or a Lean file.",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Lean data folder; default the configured.")
    ] = None,
) -> None:
    """Fetch the daily candles each symbol is missing into the bars table and its Lean zip.

    Only the days after a symbol's newest bar are requested (from --from when it has none),
    at most 3 requests a second. Each symbol is saved as it completes. The repository's
    synthetic sample in data/ is never written to: real data goes to its own folder.
    """
    from bridge_api.calendar import last_closed_day  # noqa: PLC0415
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.market.loader import holds_synthetic_sample  # noqa: PLC0415

    first = parse_day(FETCH, "--from", start)
    last = last_closed_day() if end is None else parse_day(FETCH, "--to", end)
    if first > last:
        fail(FETCH, f"--from {first} is after --to {last}")
    folder = data_dir or get_settings().market_data_dir
    if holds_synthetic_sample(folder):
        fail(
            FETCH,
            f"{folder} holds the synthetic sample data: real candles must not be merged into it; "
            "pass --data-dir (or set SARAS_MARKET_DATA_DIR) to a folder for real data",
        )
    symbols = [s.strip().upper() for s in symbol] if symbol else None

    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415

    upgrade()
    with unit_of_work() as session:
        _fetch(session, symbols, first, last, folder)


def _fetch(
    session: Session, symbols: list[str] | None, first: date, last: date, folder: Path
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415

    from bridge_api.brokers.kite.sessions import (  # noqa: PLC0415
        connected_client,
        current,
        session_lost,
    )
    from bridge_api.market.candles import (  # noqa: PLC0415
        FetchInterrupted,
        KiteSessionExpired,
        fetch_daily,
    )

    with failures(FETCH):
        kite = connected_client(session)
    active = current(session)
    active_id = None if active is None else active.id
    columns = (TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("fetching", total=None)

        def step(symbol: str, done: int, total: int) -> None:
            bar.update(task, description=symbol, completed=done, total=total)

        try:
            result = fetch_daily(
                session,
                kite,
                symbols=symbols,
                start=first,
                end=last,
                data_dir=folder,
                progress=step,
            )
        except ValueError as error:
            fail(FETCH, str(error))
        except KiteSessionExpired as error:
            session_lost(
                session, "Kite refused the token during `saras data fetch`", session_id=active_id
            )
            session.commit()
            fail(FETCH, str(error), STOPPED)
        except FetchInterrupted as error:
            fail(FETCH, str(error), DIFFERENCES)
    fetched = sum(1 for added in result.added.values() if added)
    typer.echo(
        f"{result.bars} new bars for {fetched} of {len(result.added)} symbols up to {last} "
        f"in {result.requests} requests; Lean files in {folder}"
    )
