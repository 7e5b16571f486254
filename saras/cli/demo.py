"""``saras demo``: the whole system end to end on its own database, then the API on it.

The demo database (``saras_demo``) lives on the embedded PostgreSQL, or on the server of
``DATABASE_URL`` when that is set; it is recreated on every run.
"""

from __future__ import annotations

import logging
import os
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from saras.cli.console import start_logging
from saras.cli.failures import DIFFERENCES, fail
from saras.cli.serve import serve as serve_app

if TYPE_CHECKING:
    from rich.console import Console

    from bridge_api.demo.scenario import DemoResult


def demo_command(
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API afterwards.")
    ] = True,
    host: Annotated[str, typer.Option(help="Interface to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    broker: Annotated[
        str,
        typer.Option(
            help="paper (the paper venue) or fake-kite (the Kite client against a local fake)."
        ),
    ] = "paper",
) -> None:
    """Migrate, seed, invest, rebalance and trade two sessions through the paper venue (or the
    fake Kite server) on a fresh demo database; print each investor's result and the
    reconciliation; then serve."""
    if broker not in ("paper", "fake-kite"):
        fail("demo", f"--broker: expected paper or fake-kite, was {broker!r}")
    start_logging(logging.WARNING)  # the demo shows its own progress
    result = run(serve=serve, host=host, port=port, broker=broker)
    if result.reconciliation is None or not result.reconciliation.matches:
        raise typer.Exit(DIFFERENCES)


def run(*, serve: bool, host: str, port: int, broker: str = "paper") -> DemoResult:
    """Run the demo with progress, print the results, then serve the API (unless told not to).

    `broker` is ``paper`` (the paper venue) or ``fake-kite`` (the Kite broker and the real
    `kiteconnect` client against the fake Kite server on this machine)."""
    from rich.console import Console  # noqa: PLC0415
    from sqlalchemy.orm import sessionmaker  # noqa: PLC0415

    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db import session as db_session  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.roles import app_engine  # noqa: PLC0415
    from bridge_api.demo.database import demo_database  # noqa: PLC0415
    from bridge_api.demo.markets import DemoMarket, FakeKiteMarket, PaperMarket  # noqa: PLC0415
    from bridge_api.demo.scenario import run_demo  # noqa: PLC0415

    console = Console(width=None if Console().is_terminal else 130)
    with console.status("Preparing a fresh demo database...") as status:
        url = demo_database()
        upgrade(url)
        engine = app_engine(url)
        sessions = sessionmaker(engine, expire_on_commit=False)

        def progress(event: str, info: dict[str, object]) -> None:
            message = _describe(event, info)
            if message:
                status.update(message)
                if event in {
                    "seeded",
                    "invested",
                    "batch",
                    "finished",
                    "rebalanced",
                    "unknown",
                    "rejected",
                }:
                    console.log(message)

        market: DemoMarket = (
            FakeKiteMarket(sessions) if broker == "fake-kite" else PaperMarket(sessions)
        )
        try:
            result = run_demo(sessions, progress=progress, market=market)
        finally:
            market.close()
    _print(console, result, market.name)
    engine.dispose()
    if serve:
        os.environ["SARAS_DATABASE_URL"] = url
        os.environ.pop("DATABASE_URL", None)
        get_settings.cache_clear()
        db_session.get_engine.cache_clear()
        db_session.session_factory.cache_clear()
        _build_web(console)
        _print_sign_in(console, host, port)
        start_logging()
        serve_app(host, port)
    return result


def _build_web(console: Console) -> None:
    """Build the web app when its sources changed (a note, not a failure, when it cannot be)."""
    import subprocess  # noqa: PLC0415

    from saras.cli.web import build, shown, web_dir  # noqa: PLC0415

    try:
        build(web_dir(), console.log)  # npm shows its own progress below these lines
    except subprocess.CalledProcessError as error:
        console.print(
            f"The web app did not build ({shown(error)} failed); the API and /docs still work. "
            "`saras web build` shows why."
        )


def _print_sign_in(console: Console, host: str, port: int) -> None:
    from bridge_api.demo.seed import DEMO_PASSWORD, DEMO_SIGN_INS  # noqa: PLC0415

    console.print(
        f"Open http://{host}:{port}/ (the app, at /app/; the API's docs at "
        f"http://{host}:{port}/docs). Sign in with password {DEMO_PASSWORD} as:"
    )
    for role, email in DEMO_SIGN_INS:
        console.print(f"  {role:<9} {email}")
    console.print("Ctrl+C stops it.")


def _describe(event: str, info: dict[str, object]) -> str | None:
    messages = {
        "seeded": "Loaded {instruments} instruments and {bars} daily bars (synthetic), "
        "seeded demo users",
        "invested": "Investors invested in two smallcases",
        "batch": "Batch {batch} ({smallcase}) sized and approved for {day}",
        "planned": "Batch {batch}: phase {phase} planned, {orders} orders",
        "sent": "Sent {side} {quantity} {symbol} ({tag})",
        "allocated": "Allocated {order}: {filled} of {of} ({reason})",
        "finished": "Batch {batch} {state}",
        "rebalanced": "Manager published version 2 of Nifty Leaders; Asha and Vikram "
        "accepted it, Meera exited",
        "unknown": "Placement {tag} outcome unknown; looking it up",
        "rejected": "Slice {tag} rejected: {message}",
    }
    template = messages.get(event)
    return template.format(**info) if template else None


def _print(console: Console, result: DemoResult, market: str) -> None:
    from rich.table import Table  # noqa: PLC0415

    batches = Table(title="Batches")
    for column in ("batch", "day", "smallcase", "orders", "state", "reason"):
        batches.add_column(column)
    for b in result.batches:
        batches.add_row(
            str(b.id), b.day.isoformat(), b.smallcase, str(b.orders), b.state, b.reason or "-"
        )
    console.print(batches)
    investors = Table(
        title="Investors at the last closes (rupees)",
        caption=(
            "total = paid in - paid out + realised + unrealised - STT; realised: FIFO per "
            "subscription, after charges other than STT (docs/ledger.md, Tax lots)"
        ),
    )
    for column in (
        "investor",
        "paid in",
        "paid out",
        "free cash",
        "realised",
        "unrealised",
        "STT",
        "other charges",
        "total",
    ):
        investors.add_column(column, justify="left" if column == "investor" else "right")
    for i in result.investors:
        investors.add_row(
            i.email,
            _money(i.paid_in),
            _money(i.paid_out),
            _money(i.free_cash),
            _money(i.realised),
            _money(i.unrealised),
            _money(i.stt),
            _money(i.other_charges),
            _money(i.total),
        )
    console.print(investors)
    check = result.reconciliation
    if check is not None:
        shares = sum(check.shares_broker.values())
        verdict = "OK" if check.matches else "MISMATCH"
        held = sum(check.shares_books.values())
        console.print(
            f"Reconciliation {verdict}: sub-ledgers + house hold {held} shares in "
            f"{len(check.shares_books)} symbols; the {market} holds {shares} in "
            f"{len(check.shares_broker)}; the ledger sums to zero per asset: "
            f"{check.double_entry_holds}"
        )


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"
