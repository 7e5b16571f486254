"""``saras kite ...``, ``saras reconcile`` and ``saras lean config``: the operator's Kite day."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar
from urllib.parse import parse_qs, urlsplit

import typer

BAD_INPUT, DIFFERENCES, NO_SESSION = 2, 1, 3
SECRET_KEYS = ("zerodha-api-key", "zerodha-access-token")
T = TypeVar("T")

kite_app = typer.Typer(no_args_is_help=True, help="The daily Kite Connect session and its books.")
lean_app = typer.Typer(no_args_is_help=True, help="Lean CLI configuration.")


def _fail(command: str, message: str, code: int = BAD_INPUT) -> NoReturn:
    typer.echo(f"saras {command}: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _kite_errors(command: str) -> Iterator[None]:
    """Operator-readable failures: no session or Kite unreachable exit 3; bad input exits 2."""
    from bridge_api.brokers.kite.sessions import NoKiteSession  # noqa: PLC0415
    from bridge_api.brokers.port import BrokerError  # noqa: PLC0415
    from bridge_api.errors import DomainError  # noqa: PLC0415

    try:
        yield
    except NoKiteSession as error:
        _fail(command, str(error), NO_SESSION)
    except BrokerError as error:
        _fail(command, f"Kite: {error}", NO_SESSION)
    except (DomainError, ValueError) as error:
        _fail(command, str(error))


def _with_broker(command: str, work: Callable[[Any, Any], T]) -> T:
    """Run `work(session, broker)` in one transaction with a broker on today's session."""
    from bridge_api.brokers.kite.account import kite_broker  # noqa: PLC0415
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import database_url, session_factory  # noqa: PLC0415

    with _kite_errors(command):
        upgrade(database_url())
        sessions = session_factory()
        broker = kite_broker(sessions, get_settings())
        with sessions() as session, session.begin():
            return work(session, broker)


def request_token_of(redirect_url: str) -> str:
    """The request token in the URL Kite redirected the browser to after the login."""
    query = parse_qs(urlsplit(redirect_url.strip()).query)
    if query.get("status", ["success"])[0] != "success":
        raise ValueError(f"Kite reported the login as {query['status'][0]!r}")
    tokens = query.get("request_token")
    if not tokens or not tokens[0]:
        raise ValueError("the URL has no request_token: paste the whole redirect URL")
    return tokens[0]


@kite_app.command("login")
def login_command(
    request_token: Annotated[
        str | None, typer.Option(help="The request_token from Kite's redirect.")
    ] = None,
    redirect_url: Annotated[
        str | None, typer.Option(help="Or the whole URL Kite redirected to.")
    ] = None,
) -> None:
    """Log in to Kite for today: open the URL, sign in, give back the redirect."""
    from bridge_api.brokers.kite import sessions  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import database_url, unit_of_work  # noqa: PLC0415

    with _kite_errors("kite login"):
        upgrade(database_url())
        if request_token is None:
            if redirect_url is None:
                with unit_of_work() as session:
                    url = sessions.login_url(session)
                typer.echo(f"Open this URL, sign in with your password and TOTP:\n\n  {url}\n")
                redirect_url = typer.prompt("Paste the URL Kite redirected your browser to")
            request_token = request_token_of(redirect_url)
        with unit_of_work() as session:
            active = sessions.complete_login(session, request_token)
    typer.echo(
        f"Logged in to Kite as {active.user_id}; the session ends at "
        f"{_ist(active.expires_at)} (then log in again)."
    )


@kite_app.command("status")
def status_command() -> None:
    """Whether today's Kite session is valid, and when it ends (exit 3 when not valid)."""
    from bridge_api.brokers.kite import sessions  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import database_url, unit_of_work  # noqa: PLC0415
    from bridge_api.notifications.alerts import open_alerts  # noqa: PLC0415

    upgrade(database_url())
    with unit_of_work() as session:
        active = sessions.current(session)
        row = sessions.latest(session)
        alerts = open_alerts(session)
        if active is not None:
            typer.echo(
                f"Kite session valid: {active.user_id}, logged in {_ist(active.login_time)}, "
                f"ends {_ist(active.expires_at)}"
            )
        elif row is None:
            typer.echo("No Kite session yet: run `saras kite login`.")
        else:
            why = row.end_reason or f"expired at {_ist(row.expires_at)}"
            typer.echo(f"No valid Kite session ({row.user_id}: {why}); run `saras kite login`.")
        for alert in alerts[-5:]:
            when = _ist(alert.created_at)
            typer.echo(f"  alert {alert.id} [{alert.kind}] {when}: {alert.message}")
    if active is None:
        raise typer.Exit(NO_SESSION)


@kite_app.command("logout")
def logout_command() -> None:
    """End today's session at Kite and here (trading stops until the next login)."""
    from bridge_api.brokers.kite import sessions  # noqa: PLC0415

    def logout(session: Any, broker: Any) -> int:
        with _quietly():
            broker.kite.invalidate_access_token()
        return sessions.end_current(session, "logged out by the operator")

    ended = _with_broker("kite logout", logout)
    typer.echo(f"Logged out ({ended} session ended).")


@kite_app.command("snapshot")
def snapshot_command() -> None:
    """Store the day's order book and trade book now (before the token expires)."""
    orders, trades = _with_broker("kite snapshot", lambda session, broker: broker.snapshot())
    typer.echo(f"Stored today's snapshot: {orders} orders, {trades} trades.")


@kite_app.command("true-up")
def true_up_command(
    day: Annotated[str | None, typer.Option(help="The trading day (default today, IST).")] = None,
    any_time: Annotated[
        bool, typer.Option("--any-time", hidden=True, help="Skip the after-the-close check.")
    ] = False,
) -> None:
    """After the close: the day's charges from Kite's contract note against the estimate; the
    difference goes to the house account."""
    from bridge_api.brokers.kite.contract_notes import KiteContractNotes  # noqa: PLC0415
    from bridge_api.calendar import ist_today  # noqa: PLC0415
    from bridge_api.execution.clocks import Deadline, LiveClock  # noqa: PLC0415
    from bridge_api.ledger.true_up import true_up  # noqa: PLC0415

    when = _day("kite true-up", day) or ist_today()
    if when == ist_today() and not any_time and not LiveClock().passed(Deadline.CLOSE):
        _fail("kite true-up", "today's charges are trued up after the close (15:30 IST)")
    result = _with_broker(
        "kite true-up",
        lambda session, broker: true_up(session, KiteContractNotes(broker), when),
    )
    typer.echo(
        f"Charges on {when}: estimated {result.estimated}, contract note {result.actual} "
        f"({result.orders} orders); the house {'pays' if result.difference >= 0 else 'gets'} "
        f"{abs(result.difference)}."
    )


def reconcile_command(
    shares_only: Annotated[
        bool, typer.Option("--shares-only", help="Compare shares only (any time of day).")
    ] = False,
) -> None:
    """Compare every sub-ledger plus the house with Kite's holdings, positions and funds; store
    the report; exit 1 (and alert) on any difference."""
    from bridge_api.ledger.reconciliation import reconcile, render  # noqa: PLC0415

    scope = "shares" if shares_only else "full"
    report, stored = _with_broker(
        "reconcile", lambda session, broker: reconcile(session, broker, scope=scope)
    )
    typer.echo(render(report))
    typer.echo(f"(stored as report {stored.id})")
    if not report.matches:
        raise typer.Exit(DIFFERENCES)


@lean_app.command("config")
def lean_config_command(
    live: Annotated[bool, typer.Option("--live", help="The live Zerodha configuration.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write it (outside the repository; default: the data dir)."),
    ] = None,
) -> None:
    """Write Lean's live Zerodha settings from today's Kite session, outside git (mode 600)."""
    from bridge_api.brokers.kite import sessions  # noqa: PLC0415
    from bridge_api.config import REPOSITORY, get_settings  # noqa: PLC0415
    from bridge_api.db.session import database_url, unit_of_work  # noqa: PLC0415

    if not live:
        _fail("lean config", "only --live is written by this command (backtests need no secrets)")
    settings = get_settings()
    target = (out or settings.data_dir / "lean" / "live-zerodha.json").expanduser().resolve()
    if target.is_relative_to(REPOSITORY):
        _fail("lean config", f"{target} is inside the repository: the token must not reach git")
    with _kite_errors("lean config"), unit_of_work() as session:
        active = sessions.current(session)
        if active is None:
            raise sessions.NoKiteSession("no valid Kite session: log in with `saras kite login`")
    config = live_config(
        json.loads((REPOSITORY / "lean_config" / "live-zerodha.json").read_text()),
        api_key=active.api_key,
        access_token=active.access_token,
        database_url=database_url(),
        real_money=settings.real_money,
    )
    write_private(target, json.dumps(config, indent=2) + "\n")
    typer.echo(f"Wrote {target} (valid until {_ist(active.expires_at)}). Deploy with:")
    key, token = (f"\"$(jq -r '.\"{name}\"' {target})\"" for name in SECRET_KEYS)
    typer.echo(
        "  lean live deploy algorithms/saras_master --brokerage Zerodha "
        f"--data-provider-live Zerodha --zerodha-api-key {key} --zerodha-access-token {token} "
        "--zerodha-product-type cnc --zerodha-trading-segment equity "
        "--zerodha-history-subscription false --extra-docker-config '...'"
    )
    typer.echo("  (the --extra-docker-config volume and PGPASSWORD are in docs/lean.md)")


def live_config(
    template: dict[str, Any],
    *,
    api_key: str,
    access_token: str,
    database_url: str,
    real_money: bool,
) -> dict[str, Any]:
    """The live template with today's key and token, the database (no password) and the
    real-money switch filled in."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    filled: dict[str, Any] = json.loads(json.dumps(template))
    filled["zerodha-api-key"] = api_key
    filled["zerodha-access-token"] = access_token
    filled["zerodha-trading-segment"] = "equity"
    filled["zerodha-product-type"] = "cnc"
    filled["parameters"]["database-url"] = (
        make_url(database_url).set(password=None).render_as_string(hide_password=False)
    )
    filled["parameters"]["real-money"] = "true" if real_money else "false"
    return filled


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(draft, path)


@contextmanager
def _quietly() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        typer.echo(f"(Kite did not confirm the logout: {error})", err=True)


def _day(command: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(command, f"--day: not a date: {value!r}")


def _ist(moment: datetime) -> str:
    from bridge_api.calendar import IST  # noqa: PLC0415

    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M IST")
