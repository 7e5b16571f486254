"""``saras corporate-actions``: enter, import, list and post corporate actions on the pooled
book (each audited under the admin who did it; rules in docs/corporate-actions.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from saras.cli.console import command_group, start_logging
from saras.cli.failures import fail, failures, parse_day, parse_rupees

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bridge_api.db.models import CorporateAction, User

app = command_group(help="Corporate actions on the pooled book (add, import, list, post, cancel).")
By = Annotated[str, typer.Option("--by", help="Email of the admin recording it.")]
KINDS = "dividend, split, bonus, symbol_change, merger, demerger"


@app.command("add")
def add_command(
    kind: Annotated[str, typer.Argument(help=KINDS)],
    symbol: Annotated[str, typer.Argument(help="The NSE symbol the action is on.")],
    ex_date: Annotated[str, typer.Option("--ex-date", help="YYYY-MM-DD.")],
    by: By,
    record_date: Annotated[
        str | None, typer.Option("--record-date", help="YYYY-MM-DD (default: the ex date).")
    ] = None,
    per_share: Annotated[
        str | None, typer.Option("--per-share", help="A dividend's rupees per share.")
    ] = None,
    leg: Annotated[
        list[str] | None,
        typer.Option(
            "--leg",
            help="SYMBOL:NEW:OLD:COST_PERCENT, e.g. INFY:5:1:100 for a 5-for-1 split "
            "(repeat for a demerger into several companies).",
        ),
    ] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="The announcement's words.")] = "",
) -> None:
    """Enter an announced action; its symbol stops trading from the ex date until posted."""
    from decimal import Decimal, InvalidOperation  # noqa: PLC0415

    from bridge_api.corporate_actions.announcements import Leg, announce  # noqa: PLC0415
    from bridge_api.db.models import ActionKind  # noqa: PLC0415

    command = "corporate-actions add"
    try:
        action_kind = ActionKind(kind)
    except ValueError:
        fail(command, f"KIND: one of {KINDS}, not {kind!r}")
    ex = parse_day(command, "--ex-date", ex_date)
    record = parse_day(command, "--record-date", record_date) if record_date else ex
    rupees = parse_rupees(command, "--per-share", per_share) if per_share else None
    legs = []
    for text in leg or []:
        parts = text.split(":")
        try:
            legs.append(Leg(parts[0], int(parts[1]), int(parts[2]), Decimal(parts[3])))
        except (IndexError, ValueError, InvalidOperation):
            fail(command, f"--leg: SYMBOL:NEW:OLD:COST_PERCENT, not {text!r}")
    with _admin_session(command, by) as (session, admin):
        action = announce(
            session,
            admin,
            kind=action_kind,
            symbol=symbol,
            ex_date=ex,
            record_date=record,
            per_share=rupees,
            legs=legs,
            purpose=purpose,
        )
        line = _line(action)
    typer.echo(f"Announced {line}")


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="NSE's corporate-actions CSV.")], by: By
) -> None:
    """Announce the dividends, bonuses and splits of NSE's corporate-actions file; say which
    lines were not read and why."""
    from bridge_api.corporate_actions.nse_file import import_file  # noqa: PLC0415

    command = "corporate-actions import"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        fail(command, f"{path}: {error.strerror or error}")
    with _admin_session(command, by) as (session, admin):
        result = import_file(session, admin, text)
        lines = [f"  added {_line(a)}" for a in result.added]
    for line in lines:
        typer.echo(line)
    for left in result.left:
        typer.echo(
            f"  not imported: line {left.line} {left.symbol} ({left.purpose}): {left.reason}"
        )
    typer.echo(
        f"Imported {len(result.added)} actions; {result.known} already known; "
        f"{len(result.left)} lines not imported."
    )


@app.command("list")
def list_command(
    symbol: Annotated[str | None, typer.Option("--symbol", help="Only this symbol's.")] = None,
) -> None:
    """Every action, newest ex date first, with its status."""
    from bridge_api.corporate_actions.announcements import listed  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415

    with failures("corporate-actions list"):
        upgrade()
        with unit_of_work() as session:
            lines = [_line(a) for a in listed(session, symbol=symbol)]
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("No corporate actions.")


@app.command("post")
def post_command(
    action_id: Annotated[int, typer.Argument(help="The action's id (see `list`).")],
    by: By,
    on: Annotated[str, typer.Option("--on", help="The day the broker showed it, YYYY-MM-DD.")],
    credited: Annotated[
        str | None,
        typer.Option("--credited", help="Cash the account received (a dividend net of TDS)."),
    ] = None,
    tds: Annotated[str, typer.Option("--tds", help="Tax the company deducted.")] = "0.00",
    fraction_price: Annotated[
        str | None,
        typer.Option("--fraction-price", help="Rupees a share paid for fractional entitlements."),
    ] = None,
) -> None:
    """Post an action once the broker shows it: one ledger entry, each book's entitlement, lots,
    pending intents and compositions carried."""
    from bridge_api.corporate_actions.posting import post_action  # noqa: PLC0415

    command = "corporate-actions post"
    day = parse_day(command, "--on", on)
    cash = parse_rupees(command, "--credited", credited) if credited else None
    tax = parse_rupees(command, "--tds", tds)
    price = parse_rupees(command, "--fraction-price", fraction_price) if fraction_price else None
    with _admin_session(command, by) as (session, admin):
        action = post_action(
            session, admin, action_id, posted_on=day, credited=cash, tds=tax, fraction_price=price
        )
        line = _line(action)
        residue = action.residue
    typer.echo(f"Posted {line}; the house's residue {residue}.")


@app.command("cancel")
def cancel_command(
    action_id: Annotated[int, typer.Argument(help="The action's id.")],
    by: By,
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn.")],
) -> None:
    """Withdraw an announced action."""
    from bridge_api.corporate_actions.announcements import cancel  # noqa: PLC0415

    with _admin_session("corporate-actions cancel", by) as (session, admin):
        line = _line(cancel(session, admin, action_id, reason=reason))
    typer.echo(f"Cancelled {line}")


def _line(action: CorporateAction) -> str:
    terms = (
        f"Rs {action.per_share}/share"
        if action.per_share is not None
        else ", ".join(f"{g['new']}:{g['old']} {g['symbol']}" for g in action.legs)
    )
    return (
        f"{action.id} {action.kind} {action.symbol} ({terms}) ex {action.ex_date} "
        f"record {action.record_date}: {action.status}"
    )


@contextmanager
def _admin_session(command: str, by: str) -> Iterator[tuple[Session, User]]:
    """The command's transaction, as the admin `by` (a refusal when there is no such user)."""
    from sqlalchemy import func, select  # noqa: PLC0415

    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.models import User  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415

    start_logging()
    with failures(command):
        upgrade()
        with unit_of_work() as session:
            admin = session.execute(
                select(User).where(func.lower(User.email) == by.strip().lower())
            ).scalar_one_or_none()
            if admin is None:
                fail(command, f"--by: no user {by!r}")
            yield session, admin
