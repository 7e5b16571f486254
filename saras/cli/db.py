"""``saras db`` and ``saras seed``: the PostgreSQL database (DATABASE_URL, or embedded)."""

from __future__ import annotations

from typing import Annotated

import typer

from saras.cli.console import command_group

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
