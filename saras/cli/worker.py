"""``saras worker``: the job queue's worker (notifications, backtests) with the day's scheduler."""

from __future__ import annotations

from typing import Annotated

import typer

from saras.cli.console import start_logging
from saras.cli.failures import failures


def worker_command(
    schedule: Annotated[
        bool, typer.Option(help="Also run the operator's day (`saras schedule status`).")
    ] = True,
    concurrency: Annotated[int, typer.Option(help="Jobs run at once.")] = 1,
    run_backtests: Annotated[
        bool, typer.Option("--backtests/--no-backtests", help="Also run queued backtests.")
    ] = True,
    tick_seconds: Annotated[float, typer.Option(help="How often the scheduler looks.")] = 30.0,
    heartbeat_seconds: Annotated[float, typer.Option(help="The worker's heartbeat.")] = 10.0,
    stalled_after: Annotated[
        float, typer.Option(help="A worker silent this long is dead: its jobs run again.")
    ] = 30.0,
    poll_seconds: Annotated[
        float, typer.Option(help="Look for due jobs at least this often.")
    ] = 5.0,
) -> None:
    """Deliver notifications (e-mail, webhooks, inbox) from the PostgreSQL job queue, run
    the backtests managers queue (one at a time, beside the notifications) and the day's
    scheduled jobs, until SIGINT or SIGTERM. Run as many as you like: each job and each
    scheduled run is done once."""
    from bridge_api.backtest import jobs as backtests  # noqa: PLC0415 (registers its task)
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.schedule.worker import WorkerOptions, run  # noqa: PLC0415

    start_logging()
    options = WorkerOptions(
        schedule=schedule,
        tick_seconds=tick_seconds,
        heartbeat_seconds=heartbeat_seconds,
        stalled_after=stalled_after,
        poll_seconds=poll_seconds,
        concurrency=concurrency,
        long_queues=(backtests.QUEUE,) if run_backtests else (),
    )
    with failures("worker"):
        upgrade()
        run(options)
