"""``saras demo``: the whole system end to end on its own database, then the API on it.

The demo database (``saras_demo``) lives on the embedded PostgreSQL, or on the server of
``DATABASE_URL`` when that is set; it is recreated on every run.
"""

from __future__ import annotations

import os
from decimal import Decimal

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bridge_api.config import get_settings
from bridge_api.db import session as db_session
from bridge_api.db.embedded import embedded_url
from bridge_api.db.migrate import upgrade
from bridge_api.demo.markets import DemoMarket, FakeKiteMarket, PaperMarket
from bridge_api.demo.scenario import DemoResult, run_demo

DATABASE = "saras_demo"


def demo_database(database: str = DATABASE) -> str:
    """A fresh, empty database (``saras_demo`` by default) on the embedded server or
    ``DATABASE_URL``'s; returns its SQLAlchemy URL."""
    settings = get_settings()
    base = settings.database_url or embedded_url(settings.data_dir)
    url = make_url(base.replace("postgres://", "postgresql://", 1))
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        name = sql.Identifier(database)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return url.set(drivername="postgresql+psycopg", database=database).render_as_string(
        hide_password=False
    )


def run(*, serve: bool, host: str, port: int, broker: str = "paper") -> DemoResult:
    """Run the demo with progress, print the results, then serve the API (unless told not to).

    `broker` is ``paper`` (the paper venue) or ``fake-kite`` (the Kite broker and the real
    `kiteconnect` client against the fake Kite server on this machine)."""
    console = Console(width=None if Console().is_terminal else 130)
    with console.status("Preparing a fresh demo database...") as status:
        url = demo_database()
        upgrade(url)
        engine = create_engine(url)
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
        import uvicorn  # noqa: PLC0415

        from bridge_api.http.app import create_app  # noqa: PLC0415

        os.environ["SARAS_DATABASE_URL"] = url
        os.environ.pop("DATABASE_URL", None)
        get_settings.cache_clear()
        db_session.get_engine.cache_clear()
        db_session.session_factory.cache_clear()
        console.print(
            f"Serving the API on the demo data at http://{host}:{port}/docs "
            "(demo password: saras-demo-password). Ctrl+C stops it."
        )
        uvicorn.run(create_app(), host=host, port=port)
    return result


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
    batches = Table(title="Batches")
    for column in ("batch", "day", "smallcase", "orders", "state", "reason"):
        batches.add_column(column)
    for b in result.batches:
        batches.add_row(
            str(b.id), b.day.isoformat(), b.smallcase, str(b.orders), b.state, b.reason or "-"
        )
    console.print(batches)
    investors = Table(title="Investors at the last closes (rupees)")
    for column in (
        "investor",
        "paid in",
        "free cash",
        "cash in books",
        "shares",
        "charges",
        "realised",
        "unrealised",
        "total",
    ):
        investors.add_column(column, justify="left" if column == "investor" else "right")
    for i in result.investors:
        investors.add_row(
            i.email,
            _money(i.paid_in),
            _money(i.free_cash),
            _money(i.book_cash),
            _money(i.invested_value),
            _money(i.charges),
            _money(i.realised),
            _money(i.unrealised),
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
