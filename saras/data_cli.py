"""``saras data``: market data from Kite (the instruments dump and daily candles)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

BAD_INPUT = 2
NO_SESSION = 3
KITE_FAILED = 1

data_app = typer.Typer(
    no_args_is_help=True, help="Market data from Kite: the instruments list and daily candles."
)


def _fail(command: str, message: str, code: int) -> NoReturn:
    typer.echo(f"saras data {command}: {message}", err=True)
    raise typer.Exit(code)


def _day(command: str, option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(command, f"{option}: not a date (YYYY-MM-DD): {value!r}", BAD_INPUT)


@data_app.command("instruments")
def instruments_command() -> None:
    """Sync NSE equities (symbol, name, tick, lot, Kite token) from Kite's instruments dump."""
    from bridge_api.brokers.kite.sessions import NoKiteSession, connected_client  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415  (keeps the CLI light)
    from bridge_api.db.session import database_url, unit_of_work  # noqa: PLC0415
    from bridge_api.market.instruments import sync_instruments  # noqa: PLC0415

    upgrade(database_url())
    with unit_of_work() as session:
        try:
            kite = connected_client(session)
        except NoKiteSession as error:
            _fail("instruments", str(error), NO_SESSION)
        result = sync_instruments(session, kite)
    typer.echo(
        f"NSE equities: {result.added} added, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.skipped} skipped"
        + (f", {result.tokens_moved} tokens moved to a new symbol" if result.tokens_moved else "")
    )


@data_app.command("fetch")
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
    from bridge_api.config import get_settings  # noqa: PLC0415

    first = _day("fetch", "--from", start)
    last = last_closed_day() if end is None else _day("fetch", "--to", end)
    if first > last:
        _fail("fetch", f"--from {first} is after --to {last}", BAD_INPUT)
    folder = data_dir or get_settings().market_data_dir
    if holds_synthetic_sample(folder):
        _fail(
            "fetch",
            f"{folder} holds the synthetic sample data: real candles must not be merged into it; "
            "pass --data-dir (or set SARAS_MARKET_DATA_DIR) to a folder for real data",
            BAD_INPUT,
        )
    symbols = [s.strip().upper() for s in symbol] if symbol else None

    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import database_url, unit_of_work  # noqa: PLC0415

    upgrade(database_url())
    with unit_of_work() as session:
        _fetch(session, symbols, first, last, folder)


def last_closed_day() -> date:
    """Today once NSE has closed (15:30 IST), else yesterday: a day's candle is final only
    after its close, and a stored bar is never fetched again."""
    from datetime import timedelta  # noqa: PLC0415

    from bridge_api.calendar import ist_today  # noqa: PLC0415
    from bridge_api.execution.clocks import Deadline, LiveClock  # noqa: PLC0415

    today = ist_today()
    return today if LiveClock().passed(Deadline.CLOSE) else today - timedelta(days=1)


def holds_synthetic_sample(folder: Path) -> bool:
    """Whether `folder` is the repository's synthetic sample (its README says so)."""
    readme = folder / "README.md"
    return readme.is_file() and "SYNTHETIC" in readme.read_text().splitlines()[0]


def _fetch(
    session: Session, symbols: list[str] | None, first: date, last: date, folder: Path
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415

    from bridge_api.brokers.kite.sessions import (  # noqa: PLC0415
        NoKiteSession,
        connected_client,
        current,
        session_lost,
    )
    from bridge_api.market.candles import (  # noqa: PLC0415
        FetchInterrupted,
        KiteSessionExpired,
        fetch_daily,
    )

    try:
        kite = connected_client(session)
    except NoKiteSession as error:
        _fail("fetch", str(error), NO_SESSION)
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
            _fail("fetch", str(error), BAD_INPUT)
        except KiteSessionExpired as error:
            session_lost(
                session, "Kite refused the token during `saras data fetch`", session_id=active_id
            )
            session.commit()
            _fail("fetch", str(error), NO_SESSION)
        except FetchInterrupted as error:
            _fail("fetch", str(error), KITE_FAILED)
    fetched = sum(1 for added in result.added.values() if added)
    typer.echo(
        f"{result.bars} new bars for {fetched} of {len(result.added)} symbols up to {last} "
        f"in {result.requests} requests; Lean files in {folder}"
    )
