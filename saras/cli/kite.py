"""``saras kite``: the daily Kite Connect session and the day's books (snapshot, true-up)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import typer

from saras.cli.console import command_group, in_ist
from saras.cli.failures import DIFFERENCES, STOPPED, fail, failures, parse_day

T = TypeVar("T")

app = command_group(help="The daily Kite Connect session and its books.")


def with_broker(command: str, work: Callable[[Any, Any], T]) -> T:
    """Run `work(session, broker)` in one transaction with a broker on today's session."""
    from bridge_api.brokers.kite.account import kite_broker  # noqa: PLC0415
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import session_factory  # noqa: PLC0415

    with failures(command):
        upgrade()
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


@app.command("login")
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
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415

    with failures("kite login"):
        upgrade()
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
        f"{in_ist(active.expires_at)} (then log in again)."
    )


@app.command("status")
def status_command() -> None:
    """Whether today's Kite session is valid, and when it ends (exit 3 when not valid)."""
    from bridge_api.brokers.kite import sessions  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.notifications.alerts import open_alerts  # noqa: PLC0415

    upgrade()
    with unit_of_work() as session:
        active = sessions.current(session)
        row = sessions.latest(session)
        alerts = open_alerts(session)
        if active is not None:
            typer.echo(
                f"Kite session valid: {active.user_id}, logged in {in_ist(active.login_time)}, "
                f"ends {in_ist(active.expires_at)}"
            )
        elif row is None:
            typer.echo("No Kite session yet: run `saras kite login`.")
        else:
            why = row.end_reason or f"expired at {in_ist(row.expires_at)}"
            typer.echo(f"No valid Kite session ({row.user_id}: {why}); run `saras kite login`.")
        for alert in alerts[-5:]:
            when = in_ist(alert.created_at)
            typer.echo(f"  alert {alert.id} [{alert.kind}] {when}: {alert.message}")
    if active is None:
        raise typer.Exit(STOPPED)


@app.command("logout")
def logout_command() -> None:
    """End today's session at Kite and here (trading stops until the next login)."""
    from bridge_api.brokers.kite import sessions  # noqa: PLC0415

    def logout(session: Any, broker: Any) -> int:
        with _quietly():
            broker.kite.invalidate_access_token()
        return sessions.end_current(session, "logged out by the operator")

    ended = with_broker("kite logout", logout)
    typer.echo(f"Logged out ({ended} session ended).")


@app.command("snapshot")
def snapshot_command() -> None:
    """Store the day's order book and trade book now (before the token expires)."""
    orders, trades = with_broker("kite snapshot", lambda session, broker: broker.snapshot())
    typer.echo(f"Stored today's snapshot: {orders} orders, {trades} trades.")


@app.command("true-up")
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

    when = ist_today() if day is None else parse_day("kite true-up", "--day", day)
    if when == ist_today() and not any_time and not LiveClock().passed(Deadline.CLOSE):
        fail("kite true-up", "today's charges are trued up after the close (15:30 IST)")
    result = with_broker(
        "kite true-up",
        lambda session, broker: true_up(session, KiteContractNotes(broker), when),
    )
    if result.refused:
        fail("kite true-up", result.refused, DIFFERENCES, hint="the operator was alerted")
    typer.echo(
        f"Charges on {when}: estimated {result.estimated}, contract note {result.actual} "
        f"({result.orders} orders); the house {'pays' if result.difference >= 0 else 'gets'} "
        f"{abs(result.difference)}."
    )


@contextmanager
def _quietly() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        typer.echo(f"(Kite did not confirm the logout: {error})", err=True)
