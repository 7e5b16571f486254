"""``saras schedule``: the operator's day: each job's last run and next, by hand, skipped."""

from __future__ import annotations

from typing import Annotated

import typer

from saras.cli.console import command_group, in_ist
from saras.cli.failures import DIFFERENCES, failures, parse_day

app = command_group(help="The operator's day: scheduled jobs (status, run, skip).")
Day = Annotated[str | None, typer.Option("--day", help="The day (YYYY-MM-DD; default today).")]


@app.command("status")
def status_command() -> None:
    """Every job: when it runs, its last run and outcome, its next run."""
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.schedule.runs import status  # noqa: PLC0415

    with failures("schedule status"):
        upgrade()
        with unit_of_work() as session:
            shown = status(session)
    for item in shown:
        job, last = item.job, item.last
        when = f"{job.at:%H:%M} IST {'sessions' if job.on == 'sessions' else 'daily'}"
        typer.echo(f"{job.name:<20} {when:<22} {job.summary}")
        if last is None:
            typer.echo("    last: never")
        else:
            typer.echo(
                f"    last: {last.scheduled_for} {last.status} ({last.trigger})"
                + (f": {last.outcome}" if last.outcome else "")
            )
        typer.echo(f"    next: {in_ist(item.next_run) if item.next_run else 'none scheduled'}")


@app.command("run")
def run_command(
    job: Annotated[str, typer.Argument(help="The job's name (see `saras schedule status`).")],
    day: Day = None,
    again: Annotated[
        bool, typer.Option("--again", help="Run even if that day's run succeeded or is running.")
    ] = False,
) -> None:
    """Run a job now for a day; exit 1 when it fails (the operator is alerted)."""
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import session_factory  # noqa: PLC0415
    from bridge_api.schedule.runs import run_by_hand  # noqa: PLC0415

    when = None if day is None else parse_day("schedule run", "--day", day)
    with failures("schedule run"):
        upgrade()
        run = run_by_hand(session_factory(), job, when, again=again)
    typer.echo(f"{run.job} for {run.scheduled_for}: {run.status}: {run.outcome}")
    if run.status == "failed":
        raise typer.Exit(DIFFERENCES)


@app.command("skip")
def skip_command(
    job: Annotated[str, typer.Argument(help="The job's name.")],
    day: Annotated[str, typer.Option("--day", help="The day to skip (YYYY-MM-DD).")],
) -> None:
    """Skip a job's run for a day (before it has run)."""
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.schedule.runs import skip  # noqa: PLC0415

    when = parse_day("schedule skip", "--day", day)
    with failures("schedule skip"):
        upgrade()
        with unit_of_work() as session:
            run = skip(session, job, when)
    typer.echo(f"{run.job} for {run.scheduled_for}: skipped.")
