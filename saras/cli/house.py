"""``saras house``: the platform's own book: what it holds, and the operator funding or
sweeping it (each audited, under the admin who did it)."""

from __future__ import annotations

from typing import Annotated

import typer

from saras.cli.console import command_group, start_logging
from saras.cli.failures import DIFFERENCES, fail, failures, parse_rupees

app = command_group(help="The house: the platform's own book (status, fund, sweep).")
Amount = Annotated[str, typer.Argument(help="Rupees, e.g. 2500.00.")]
Reference = Annotated[str, typer.Option("--reference", help="The bank transfer's reference (UTR).")]
By = Annotated[str, typer.Option("--by", help="Email of the admin recording it.")]


@app.command("status")
def status_command() -> None:
    """Show the house's cash (settled, unsettled) and shares; exit 1 when it is below zero."""
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.ledger.house import position  # noqa: PLC0415

    with failures("house status"):
        upgrade()
        with unit_of_work() as session:
            house = position(session)
    held = ", ".join(f"{q} {s}" for s, q in house.shares.items()) or "no shares"
    typer.echo(
        f"The house: {house.settled} settled, {house.unsettled} unsettled "
        f"(cash {house.cash}), {held}."
    )
    if house.shortfall:
        typer.echo(f"It is {house.shortfall} short: fund it with `saras house fund`.")
        raise typer.Exit(DIFFERENCES)


@app.command("fund")
def fund_command(amount: Amount, reference: Reference, by: By) -> None:
    """Record money the operator paid into the account for the house."""
    _move("fund", amount, reference, by)


@app.command("sweep")
def sweep_command(amount: Amount, reference: Reference, by: By) -> None:
    """Record money taken out of the house's settled cash to the operator."""
    _move("sweep", amount, reference, by)


def _move(action: str, amount: str, reference: str, by: str) -> None:
    from sqlalchemy import func, select  # noqa: PLC0415

    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.models import User  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.ledger import house  # noqa: PLC0415

    command = f"house {action}"
    rupees = parse_rupees(command, "AMOUNT", amount)
    if not reference.strip():
        fail(command, "--reference: give the bank transfer's reference")
    start_logging()
    with failures(command):
        upgrade()
        with unit_of_work() as session:
            admin = session.execute(
                select(User).where(func.lower(User.email) == by.strip().lower())
            ).scalar_one_or_none()
            if admin is None:
                fail(command, f"--by: no user {by!r}")
            move = house.fund if action == "fund" else house.sweep
            entry = move(session, admin, amount=rupees, reference=reference.strip())
            after = house.position(session)
    typer.echo(
        f"House {'funded' if action == 'fund' else 'swept'}: {rupees} (entry {entry.id}); "
        f"it now holds {after.cash}."
    )
