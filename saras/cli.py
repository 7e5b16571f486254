"""The ``saras`` command line."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from allocator.errors import AllocatorError
from bridge_api.errors import DomainError
from saras.allocator_json.commands import run
from saras.allocator_json.schemas import SCHEMAS
from saras.data_cli import data_app
from saras.demo import run_demo
from saras.kite_cli import kite_app, lean_app, reconcile_command

if TYPE_CHECKING:
    from datetime import timedelta

    from bridge_api.execution.engine import Progress
    from bridge_api.execution.ratelimit import RateLimits

BAD_INPUT = 2
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Saras: pooled smallcase execution."
)
allocator_app = typer.Typer(
    no_args_is_help=True,
    help="The allocator's JSON contract (docs/allocator-cli.md): JSON in, JSON out.",
)
app.add_typer(allocator_app, name="allocator")
engine_app = typer.Typer(no_args_is_help=True, help="The execution engine.")
app.add_typer(engine_app, name="engine")
db_app = typer.Typer(
    no_args_is_help=True, help="The PostgreSQL database (DATABASE_URL, or embedded)."
)
app.add_typer(db_app, name="db")
app.add_typer(kite_app, name="kite")
app.add_typer(lean_app, name="lean")
app.add_typer(data_app, name="data", help="Market data: Kite instruments and daily candles.")
app.command("reconcile")(reconcile_command)

InputOption = Annotated[
    Path | None,
    typer.Option("--input", "-i", help="Read the JSON input from FILE instead of stdin."),
]
PrettyOption = Annotated[bool, typer.Option("--pretty", help="Indent the JSON output.")]


def _fail(command: str, message: str) -> NoReturn:
    """One line on stderr (control characters escaped), nothing on stdout, exit 2."""
    line = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), message)
    typer.echo(f"saras allocator {command}: {line}", err=True)
    raise typer.Exit(BAD_INPUT)


def _execute(command: str, source: Path | None, pretty: bool) -> None:
    if source is not None:
        try:
            raw = source.read_bytes()
        except OSError as error:
            _fail(command, f"--input: cannot read {str(source)!r}: {error}")
    elif sys.stdin.isatty():
        _fail(command, "input: no JSON given; pipe it on stdin or pass --input FILE")
    else:
        raw = sys.stdin.buffer.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        _fail(command, f"input: not UTF-8 ({error.reason} at byte {error.start})")
    try:
        output = run(command, text, pretty=pretty)
    except AllocatorError as error:
        _fail(command, str(error))
    typer.echo(output)


@allocator_app.command("size")
def size_command(source: InputOption = None, pretty: PrettyOption = False) -> None:
    """Whole-share quantities for investing an amount in a smallcase."""
    _execute("size", source, pretty)


@allocator_app.command("plan")
def plan_command(source: InputOption = None, pretty: PrettyOption = False) -> None:
    """Consolidate accounts' targets into sliced, scheduled orders with their statements."""
    _execute("plan", source, pretty)


@allocator_app.command("allocate")
def allocate_command(source: InputOption = None, pretty: PrettyOption = False) -> None:
    """Split a final order's fills, value and charges across its statement."""
    _execute("allocate", source, pretty)


@allocator_app.command("charges")
def charges_command(source: InputOption = None, pretty: PrettyOption = False) -> None:
    """NSE delivery charges for one account's trades on one day."""
    _execute("charges", source, pretty)


@allocator_app.command("schema")
def schema_command(
    command: Annotated[str, typer.Argument(help="size, plan, allocate or charges")],
    output: Annotated[
        bool, typer.Option("--output", help="The output schema, not the input's.")
    ] = False,
) -> None:
    """Print the JSON Schema of a command's input (or output)."""
    if command not in SCHEMAS:
        _fail("schema", f"command: expected one of {sorted(SCHEMAS)}, was {command!r}")
    typer.echo(json.dumps(SCHEMAS[command][1 if output else 0], indent=2))


@allocator_app.command("demo")
def allocator_demo_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON documents.")] = False,
) -> None:
    """Plan the bundled example batch, fill it, and allocate every order."""
    run_demo(as_json=as_json)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every Alembic migration (the only way the schema changes)."""
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415  (keeps the allocator CLI light)
    from bridge_api.db.session import database_url  # noqa: PLC0415

    url = database_url()
    upgrade(url)
    typer.echo(f"database at the newest revision ({_redacted(url)})")


@app.command("seed")
def seed_command(
    demo: Annotated[
        bool, typer.Option("--demo", help="Also add demo users and smallcases.")
    ] = False,
) -> None:
    """Load the sample instruments and bars from data/ (and, with --demo, demo accounts)."""
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import database_url, unit_of_work  # noqa: PLC0415
    from bridge_api.demo.seed import DEMO_PASSWORD, load_market, seed_demo  # noqa: PLC0415

    upgrade(database_url())
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


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Migrate, then serve the bridge API with uvicorn until stopped."""
    import uvicorn  # noqa: PLC0415

    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import database_url  # noqa: PLC0415
    from bridge_api.http.app import create_app  # noqa: PLC0415

    upgrade(database_url())
    uvicorn.run(create_app(), host=host, port=port)


@app.command("demo")
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
    from saras.demo_run import run  # noqa: PLC0415

    if broker not in ("paper", "fake-kite"):
        typer.echo(f"saras demo: --broker: expected paper or fake-kite, was {broker!r}", err=True)
        raise typer.Exit(BAD_INPUT)
    result = run(serve=serve, host=host, port=port, broker=broker)
    if result.reconciliation is None or not result.reconciliation.matches:
        raise typer.Exit(1)


@app.command("backtest")
def backtest_command(
    smallcase: Annotated[
        str | None, typer.Option(help="A demo smallcase: 'Nifty Leaders' or 'IT Bellwethers'.")
    ] = None,
    weights: Annotated[
        str | None, typer.Option(help="Or weights in percent: 'INFY=40,TCS=60'.")
    ] = None,
    start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")] = "2025-01-01",
    end: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD).")] = "2026-11-20",
    subscribers: Annotated[int, typer.Option(help="Simulated subscribers.")] = 20,
    amount: Annotated[
        str, typer.Option(help="Rupees each subscriber invests (varied by up to 60%).")
    ] = "100000.00",
    schedule: Annotated[str, typer.Option(help="monthly, quarterly or never.")] = "monthly",
    out: Annotated[Path, typer.Option(help="Where the report folders go.")] = Path("backtests"),
    from_lean: Annotated[
        Path | None, typer.Option(help="Report a Lean backtest result JSON instead.")
    ] = None,
) -> None:
    """Backtest a smallcase through the engine and the paper venue; write an HTML report."""
    from datetime import date  # noqa: PLC0415
    from decimal import Decimal, InvalidOperation  # noqa: PLC0415

    from saras.backtest_run import run  # noqa: PLC0415

    def refuse(message: str) -> None:
        typer.echo(f"saras backtest: {message}", err=True)
        raise typer.Exit(BAD_INPUT)

    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        money = Decimal(amount)
    except (ValueError, InvalidOperation) as error:
        refuse(str(error))
    if smallcase is None and weights is None and from_lean is None:
        smallcase = "Nifty Leaders"
    if smallcase is not None and smallcase not in ("Nifty Leaders", "IT Bellwethers"):
        refuse(f"--smallcase: unknown demo smallcase {smallcase!r}")
    if schedule not in ("monthly", "quarterly", "never"):
        refuse(f"--schedule: expected monthly, quarterly or never, was {schedule!r}")
    if subscribers < 1 or money <= 0 or last <= first:
        refuse("--subscribers and --amount must be positive and --end after --start")
    try:
        run(
            smallcase=smallcase,
            weights=weights,
            start=first,
            end=last,
            subscribers=subscribers,
            amount=money,
            schedule=schedule,
            out=out,
            from_lean=from_lean,
        )
    except (ValueError, OSError, DomainError, AllocatorError) as error:
        refuse(str(error))


@engine_app.command("run")
def engine_run(
    paper_day: Annotated[
        str | None, typer.Option(help="Trade through the paper venue on this day (YYYY-MM-DD).")
    ] = None,
    broker: Annotated[
        str, typer.Option(help="paper (needs --paper-day) or kite (today's Kite session).")
    ] = "paper",
    orders_per_second: Annotated[int, typer.Option(help="The limiter's per-second rate.")] = 8,
    orders_per_minute: Annotated[int, typer.Option(help="The limiter's per-minute limit.")] = 400,
    latency_ms: Annotated[int, typer.Option(help="Paper venue latency per placement.")] = 0,
    lease_seconds: Annotated[
        int, typer.Option(help="How long the trading lease lasts unrenewed.")
    ] = 30,
    wait_for_login: Annotated[
        bool, typer.Option(help="Kite: when the session ends, wait for the next login.")
    ] = False,
    fake_market: Annotated[
        bool,
        typer.Option(
            hidden=True, help="Kite root is the fake server: close its market at each deadline."
        ),
    ] = False,
) -> None:
    """Take the trading lease and trade every ready batch (resuming one left executing)."""
    from datetime import date, timedelta  # noqa: PLC0415

    from bridge_api.brokers.paper import Faults  # noqa: PLC0415
    from bridge_api.execution.ratelimit import RateLimits  # noqa: PLC0415

    limits = RateLimits(per_second=orders_per_second, per_minute=orders_per_minute)

    def show(event: str, info: dict[str, object]) -> None:
        if event in {"finished", "resume", "halted"}:
            typer.echo(f"{event}: {info}")

    if broker == "kite":
        lease = timedelta(seconds=lease_seconds)
        done = _run_kite(limits, lease, show, wait_for_login, fake_market)
        typer.echo(f"traded {len(done)} batches: {done}")
        return
    if broker != "paper":
        _engine_fail(f"--broker: expected paper or kite, was {broker!r}")
    from bridge_api.execution.runner import run_paper  # noqa: PLC0415

    try:
        day = date.fromisoformat(paper_day or "")
    except ValueError:
        _engine_fail(f"--paper-day: not a date: {paper_day!r}")
    done = run_paper(
        session_day=day,
        limits=limits,
        faults=Faults(latency_ms=latency_ms),
        lease_ttl=timedelta(seconds=lease_seconds),
        progress=show,
    )
    typer.echo(f"traded {len(done)} batches: {done}")


def _run_kite(
    limits: RateLimits,
    lease: timedelta,
    show: Progress,
    wait_for_login: bool,
    fake_market: bool,
) -> list[int]:
    from bridge_api.brokers.fake_kite.control import close_market  # noqa: PLC0415
    from bridge_api.brokers.kite.sessions import NoKiteSession, is_loopback  # noqa: PLC0415
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import database_url  # noqa: PLC0415
    from bridge_api.execution.clocks import ImmediateClock  # noqa: PLC0415
    from bridge_api.execution.engine import RealMoneyDisabled, TradingHalted  # noqa: PLC0415
    from bridge_api.execution.lease import LeaseLost  # noqa: PLC0415
    from bridge_api.execution.ratelimit import DayBudgetExhausted  # noqa: PLC0415
    from bridge_api.execution.runner import MarketClosed, StaleBatch, run_kite  # noqa: PLC0415

    settings = get_settings()
    clock = None
    if fake_market:
        if not is_loopback(settings.kite_root):
            _engine_fail("--fake-market needs SARAS_KITE_ROOT on this machine (the fake server)")
        clock = ImmediateClock(lambda: close_market(settings.kite_root))
    upgrade(database_url())
    try:
        return run_kite(
            limits=limits,
            clock=clock,
            lease_ttl=lease,
            progress=show,
            wait_for_login=wait_for_login,
            settings=settings,
        )
    except NoKiteSession as error:
        _halted(f"{error}", hint=LOG_IN)
    except TradingHalted as error:
        from bridge_api.brokers.kite.sessions import current  # noqa: PLC0415
        from bridge_api.db.session import unit_of_work  # noqa: PLC0415

        with unit_of_work() as session:
            lost = current(session, settings=settings) is None
        _halted(f"trading halted: {error}", hint=LOG_IN if lost else RESUMES)
    except (LeaseLost, DayBudgetExhausted, MarketClosed) as error:
        _halted(str(error), hint=RESUMES)
    except StaleBatch as error:
        _halted(str(error), hint="nothing was sent; finish or fail that batch first")
    except RealMoneyDisabled as error:
        _engine_fail(f"{error}; set SARAS_REAL_MONEY=true to trade real money")


LOG_IN = "log in with `saras kite login`, then run the engine again"
RESUMES = "the batch resumes where it stood when the engine runs again"


def _halted(message: str, *, hint: str) -> NoReturn:
    typer.echo(f"saras engine run: {message}", err=True)
    typer.echo(hint, err=True)
    raise typer.Exit(3)


def _engine_fail(message: str) -> NoReturn:
    typer.echo(f"saras engine run: {message}", err=True)
    raise typer.Exit(BAD_INPUT)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Entry point of the ``saras`` console script."""
    app()
