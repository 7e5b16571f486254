"""``saras engine run``: take the trading lease and trade every ready batch."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from saras.cli.console import command_group, start_logging
from saras.cli.failures import fail, failures, parse_day

if TYPE_CHECKING:
    from bridge_api.execution.ratelimit import RateLimits

app = command_group(help="The execution engine.")
COMMAND = "engine run"


@app.command("run")
def run_command(
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
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="Serve Prometheus metrics on this port (default SARAS_ENGINE_METRICS_PORT; "
            "unset: none).",
        ),
    ] = None,
    fake_market: Annotated[
        bool,
        typer.Option(
            hidden=True, help="Kite root is the fake server: close its market at each deadline."
        ),
    ] = False,
) -> None:
    """Take the trading lease and trade every ready batch (resuming one left executing).

    Every event (planned, sent, rejected, resolved, allocated, finished, ...) is a log record
    on stderr; stdout gets the batches traded."""
    if broker not in ("paper", "kite"):
        fail(COMMAND, f"--broker: expected paper or kite, was {broker!r}")
    day = parse_day(COMMAND, "--paper-day", paper_day or "") if broker == "paper" else None
    from bridge_api.execution.ratelimit import RateLimits  # noqa: PLC0415

    start_logging()
    _serve_metrics(metrics_port)
    limits = RateLimits(per_second=orders_per_second, per_minute=orders_per_minute)
    lease = timedelta(seconds=lease_seconds)
    with failures(COMMAND):
        if day is None:
            done = _run_kite(limits, lease, wait_for_login, fake_market)
        else:
            done = _run_paper(day, limits, lease, latency_ms)
    typer.echo(f"traded {len(done)} batches: {done}")


def _serve_metrics(port: int | None) -> None:
    """Serve the engine's metrics beside its work (a standby too: it shows the lease not held)."""
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.observability.exposition import serve_process_metrics  # noqa: PLC0415

    chosen = port if port is not None else get_settings().engine_metrics_port
    if chosen is None:
        return
    try:
        _, bound = serve_process_metrics(chosen)
    except OSError as error:
        fail(COMMAND, f"--metrics-port {chosen}: cannot listen ({error.strerror})")
    typer.echo(f"metrics on port {bound}", err=True)


def _run_paper(day: date, limits: RateLimits, lease: timedelta, latency_ms: int) -> list[int]:
    from bridge_api.brokers.paper import Faults  # noqa: PLC0415
    from bridge_api.execution.runner import run_paper  # noqa: PLC0415

    return run_paper(
        session_day=day, limits=limits, faults=Faults(latency_ms=latency_ms), lease_ttl=lease
    )


def _run_kite(limits: RateLimits, lease: timedelta, wait_for_login: bool, fake: bool) -> list[int]:
    from bridge_api.brokers.fake_kite.control import close_market  # noqa: PLC0415
    from bridge_api.brokers.kite.sessions import is_loopback  # noqa: PLC0415
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.execution.clocks import ImmediateClock  # noqa: PLC0415
    from bridge_api.execution.live import run_kite  # noqa: PLC0415

    settings = get_settings()
    clock = None
    if fake:
        if not is_loopback(settings.kite_root):
            fail(COMMAND, "--fake-market needs SARAS_KITE_ROOT on this machine (the fake server)")
        clock = ImmediateClock(lambda: close_market(settings.kite_root))
    upgrade()
    return run_kite(
        limits=limits,
        clock=clock,
        lease_ttl=lease,
        wait_for_login=wait_for_login,
        settings=settings,
    )
